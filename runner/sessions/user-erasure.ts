import { AppError } from '../errors.ts';
import { userFileName } from '../store/store-paths.ts';
import type { Store } from '../store/types.ts';
import { requireTenantToken } from './access.ts';
import type { Caller, Sessions } from './types.ts';

/** A session created for the user while the erasure runs is caught by the next round. */
const MAX_ROUNDS = 5;

/**
 * The right to erasure: deletes every session of one user of the caller's tenant (live ones stop
 * first, through the session API), then the store's remaining traces and the user's memory.
 * Returns how many sessions went.
 */
export async function eraseUser(
  sessions: Sessions,
  store: Pick<Store, 'eraseUser'>,
  caller: Caller,
  user: string,
): Promise<{ sessions: number }> {
  requireTenantToken(caller, 'erasing a user');
  userFileName(user); // the same rule as the user's memory: a clear error for a name no store can hold
  let deleted = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const owned = await sessions.list(caller, { user });
    if (!owned.length) {
      await store.eraseUser(caller.tenant, user);
      return { sessions: deleted };
    }
    for (const s of owned) {
      await sessions.delete(caller, s.id).then(
        () => deleted++,
        // Deleted meanwhile by someone else: what erasure wants.
        (error: unknown) => {
          if (!(error instanceof AppError && error.code === 'not_found')) throw error;
        },
      );
    }
  }
  throw new AppError('conflict', 409, `sessions of user "${user}" kept being created during the erasure; retry`);
}
