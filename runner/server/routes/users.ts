import { Router } from 'express';
import { eraseUser } from '../../sessions/user-erasure.ts';
import type { Sessions } from '../../sessions/types.ts';
import type { Store } from '../../store/types.ts';
import { callerOf } from '../auth.ts';
import { methodNotAllowed } from '../http-errors.ts';

/** A tenant's users: only erasure so far (DELETE /api/users/:user). */
export function usersRouter(sessions: Sessions, store: Pick<Store, 'eraseUser'>): Router {
  const router = Router();
  router
    .route('/:user')
    .delete(async (req, res) => {
      const erased = await eraseUser(sessions, store, callerOf(req), String(req.params.user));
      res.json({ user: req.params.user, deletedSessions: erased.sessions });
    })
    .all(methodNotAllowed(['DELETE']));
  return router;
}
