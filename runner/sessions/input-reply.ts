import type { MessageEvent, ServerEvents } from '../../schemas/protocol.ts';
import { AppError, notFound } from '../errors.ts';
import type { LiveSession, Turn } from './live-session.ts';
import { describe, type SessionWriter } from './session-writer.ts';
import type { SessionListener } from './types.ts';

/** How long an input reply waits for the asking agent to publish the answer before saving anyway. */
const ANSWER_PUBLISH_WAIT_MS = 2000;

/**
 * Passes a person's answer on to the agent that asked, and resolves once it is stored with the
 * session: the acknowledgement means a crash after it must not lose the answer.
 */
export async function replyToInput(
  s: LiveSession,
  requestId: string,
  content: string,
  writer: Pick<SessionWriter, 'persist'>,
): Promise<void> {
  const turn = s.turn;
  const pending = turn?.inputs.get(requestId);
  if (!turn || !pending) throw notFound('input request', requestId);
  // A paused turn holds the answer's publication until it resumes: that save stores it.
  const published = turn.paused ? undefined : answerPublished(s, turn, pending.request.agent, content);
  pending.resolve(content);
  if (!published) return;
  await published;
  try {
    await writer.persist(s);
  } catch (error) {
    // The agent has the answer already: a retry would find no request. The turn's next save retries the write.
    throw new AppError(
      'persist_failed',
      503,
      `the answer was passed on to ${pending.request.agent} but could not be stored: ${describe(error)}`,
    );
  }
}

/**
 * Resolves once the agent that asked has published the answer in the turn (the intervention
 * records it in the transcript as it is published, every outlet in the same tick), the turn
 * ended (its own save stores it), or ANSWER_PUBLISH_WAIT_MS passed (an agent that never does).
 */
function answerPublished(s: LiveSession, turn: Turn, agent: string, content: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      s.listeners.delete(listener);
      resolve();
    };
    const listener: SessionListener = (event, payload) => {
      if (
        event === 'turn_end'
          ? (payload as ServerEvents['turn_end']).turnId === turn.id
          : event === 'message' && isAnswer(payload as MessageEvent, turn.id, agent, content)
      )
        done();
    };
    const timer = setTimeout(done, ANSWER_PUBLISH_WAIT_MS);
    s.listeners.add(listener);
  });
}

function isAnswer(m: MessageEvent, turnId: string, agent: string, content: string): boolean {
  return m.turnId === turnId && m.sender === agent && m.content === content;
}
