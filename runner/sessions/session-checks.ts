import { z } from 'zod';
import { InputReply, SendMessage, SessionId } from '../../schemas/protocol.ts';
import { invalid } from '../errors.ts';

/** The checks the session API makes on what a caller sends, with the protocol's own schemas. */

export function checkSessionId(id: unknown): asserts id is string {
  if (!SessionId.safeParse(id).success)
    throw invalid(`session id ${JSON.stringify(id)} is not a session id (UUID)`, { field: 'sessionId' });
}

// Not strict: the session API takes what it needs of a message and leaves the rest.
const Message = z.object({ content: SendMessage.shape.content, messageId: SendMessage.shape.messageId });
const Reply = z.object({ content: InputReply.shape.content });

export function checkMessage(message: unknown): asserts message is z.infer<typeof Message> {
  failOn(Message.safeParse(message ?? {}));
}

export function checkReply(content: unknown): asserts content is string {
  failOn(Reply.safeParse({ content }));
}

/** The first problem, named by its field (a `limit` when it is one). */
function failOn(result: z.ZodSafeParseResult<unknown>): void {
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const field = String(issue.path[0] ?? 'message');
  const limit = issue.code === 'too_big' ? Number(issue.maximum) : undefined;
  throw invalid(`${field} ${issue.message}`, { field, ...(limit === undefined ? {} : { limit }) });
}
