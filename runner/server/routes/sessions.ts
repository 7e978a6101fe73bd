import { Router } from 'express';
import { z } from 'zod';
import { CreateSession, InputReply, SendMessage, SessionState } from '../../../schemas/protocol.ts';
import { creatorFor } from '../../sessions/access.ts';
import type { Sessions } from '../../sessions/types.ts';
import { withTraceContext } from '../../telemetry/propagation.ts';
import { callerOf } from '../auth.ts';
import { methodNotAllowed } from '../http-errors.ts';
import { sessionIdParam, stringQuery } from '../params.ts';

const SendBody = SendMessage.omit({ sessionId: true }).extend({ wait: z.boolean().optional() }).strict();
const InputBody = InputReply.omit({ sessionId: true }).strict();

export function sessionsRouter(sessions: Sessions, onUserMessage: () => void): Router {
  const router = Router();

  router
    .route('/')
    .get(async (req, res) => {
      const caller = callerOf(req);
      const state = stringQuery('state', req.query.state);
      const filter = {
        graphId: stringQuery('graphId', req.query.graphId),
        state: state === undefined ? undefined : SessionState.parse(state),
        user: stringQuery('user', req.query.user),
      };
      res.json({ sessions: await sessions.list(caller, filter) });
    })
    .post(async (req, res) => {
      const body = CreateSession.parse(req.body);
      const caller = creatorFor(callerOf(req), body.user);
      const info = await sessions.create(caller, {
        graphId: body.graphId,
        version: body.version,
        context: body.context,
      });
      res.status(201).location(`/api/sessions/${info.id}`).json(info);
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:id')
    .get(async (req, res) => {
      res.json(await sessions.get(callerOf(req), sessionIdParam(req.params.id)));
    })
    .delete(async (req, res) => {
      await sessions.delete(callerOf(req), sessionIdParam(req.params.id));
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'DELETE']));

  router
    .route('/:id/transcript')
    .get(async (req, res) => {
      const after = stringQuery('after', req.query.after, 100);
      const messages = await sessions.transcript(
        callerOf(req),
        sessionIdParam(req.params.id),
        after ? { afterMessageId: after } : {},
      );
      res.json({ messages });
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id/messages')
    .post(async (req, res) => {
      const caller = callerOf(req);
      const id = sessionIdParam(req.params.id);
      const { wait, ...message } = SendBody.parse(req.body);
      const accepted = await withTraceContext(req.headers, () => sessions.send(caller, id, message));
      onUserMessage();
      if (!wait) {
        res.status(202).json(accepted);
        return;
      }
      await sessions.settled(caller, id);
      const transcript = await sessions.transcript(caller, id);
      const messages = transcript.filter((m) => m.turnId === accepted.turnId);
      res.json({ ...accepted, messages, session: await sessions.get(caller, id) });
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/:id/input')
    .post(async (req, res) => {
      const body = InputBody.parse(req.body);
      await sessions.reply(callerOf(req), sessionIdParam(req.params.id), body.requestId, body.content);
      res.json({ ok: true });
    })
    .all(methodNotAllowed(['POST']));

  const controls = { close: 'close', pause: 'pause', resume: 'resume', abort: 'abort' } as const;
  for (const [path, method] of Object.entries(controls)) {
    router
      .route(`/:id/${path}`)
      .post(async (req, res) => {
        const caller = callerOf(req);
        const id = sessionIdParam(req.params.id);
        await sessions[method](caller, id);
        res.json(await sessions.get(caller, id));
      })
      .all(methodNotAllowed(['POST']));
  }

  return router;
}
