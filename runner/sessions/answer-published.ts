import type { MessageEvent, ServerEvents } from '../../schemas/protocol.ts';
import type { LiveSession, Turn } from './live-session.ts';
import type { SessionListener } from './types.ts';

/** How long an input reply waits for the asking agent to publish the answer before saving anyway. */
const ANSWER_PUBLISH_WAIT_MS = 2000;

/**
 * Resolves once the agent that asked has published the answer in the turn (the intervention
 * records it in the transcript as it is published, every outlet in the same tick), the turn
 * ended (its own save stores it), or ANSWER_PUBLISH_WAIT_MS passed (an agent that never does).
 */
export function answerPublished(s: LiveSession, turn: Turn, agent: string, content: string): Promise<void> {
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
