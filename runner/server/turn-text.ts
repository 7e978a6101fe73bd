import type { OpenQuestion } from './chat-turn.ts';

/**
 * The one text form of a turn for request/response clients (`/v1` answers, `/mcp` tool results):
 * the output messages, then an open question, each thing once.
 */

/** Separates consecutive messages in the text form (and in streamed text). */
export const MESSAGE_SEPARATOR = '\n\n';

export function turnText(outputs: readonly string[], question?: OpenQuestion): string {
  return (question ? [...outputs, questionText(question, outputs)] : outputs).join(MESSAGE_SEPARATOR);
}

/**
 * A `user` agent's question quotes the message it asks about (see agents/user.ts), since that
 * message may be on no output topic. When the client already has that message as an output, the
 * quote is dropped so the text holds it once.
 */
export function questionText(question: OpenQuestion, outputs: readonly string[]): string {
  for (const output of outputs) {
    const quote = MESSAGE_SEPARATOR + output;
    if (output && question.prompt.endsWith(quote)) return question.prompt.slice(0, -quote.length);
  }
  return question.prompt;
}
