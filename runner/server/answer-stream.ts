import type { OpenQuestion, TurnWatcher } from './chat-turn.ts';
import { MESSAGE_SEPARATOR, questionText } from './turn-text.ts';

/**
 * A turn's answer as text deltas while it forms: tokens of the agents that publish only to
 * output topics, whole output messages of the others, then an open question. Joined, the deltas
 * are the text form (turn-text.ts) of the same turn.
 */
export interface AnswerStream extends Required<Pick<TurnWatcher, 'onOutput' | 'onToken'>> {
  question(question: OpenQuestion, outputs: readonly string[]): void;
}

/** `write` learns whether a delta is a token (`true`), which a transport may coalesce. */
export function answerStream(
  streamed: ReadonlySet<string>,
  write: (delta: string, token: boolean) => void,
): AnswerStream {
  const tokenMessages = new Set<string>();
  let wroteAny = false;
  const text = (delta: string, newMessage: boolean, token = false) => {
    const prefix = newMessage && wroteAny ? MESSAGE_SEPARATOR : '';
    wroteAny = true;
    write(prefix + delta, token);
  };
  return {
    onOutput(m) {
      if (!tokenMessages.has(m.id)) text(m.content, true);
    },
    onToken(t) {
      if (!streamed.has(t.agent)) return;
      const first = !tokenMessages.has(t.messageId);
      tokenMessages.add(t.messageId);
      text(t.delta, first, true);
    },
    question(question, outputs) {
      text(questionText(question, outputs), true);
    },
  };
}
