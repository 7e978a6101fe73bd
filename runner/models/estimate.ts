import type { ModelMessage, ToolCall } from './types.ts';

/** The usual rule of thumb (about four characters per token), used when a provider reports no usage. */
export const estimateTokens = (chars: number): number => Math.ceil(chars / 4);

export function promptChars(messages: readonly ModelMessage[]): number {
  let n = 0;
  for (const m of messages) {
    n += m.content.length;
    if (m.toolCalls) n += toolCallChars(m.toolCalls);
  }
  return n;
}

export function toolCallChars(calls: readonly ToolCall[]): number {
  let n = 0;
  for (const c of calls) n += c.name.length + c.arguments.length;
  return n;
}
