import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ModelMessage, ToolSpec } from './types.ts';

/** OpenAI only accepts `^[a-zA-Z0-9_-]{1,64}$` as a participant name; agent types may hold dots. */
const toName = (name: string) => name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);

export function toWireMessages(messages: readonly ModelMessage[]): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    switch (m.role) {
      case 'tool':
        return { role: 'tool', content: m.content, tool_call_id: m.toolCallId ?? '' };
      case 'assistant':
        return {
          role: 'assistant',
          content: m.content || null,
          ...(m.name ? { name: toName(m.name) } : {}),
          ...(m.toolCalls?.length
            ? {
                tool_calls: m.toolCalls.map((c) => ({
                  id: c.id,
                  type: 'function' as const,
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        };
      default:
        return { role: m.role, content: m.content, ...(m.name ? { name: toName(m.name) } : {}) };
    }
  });
}

export const toWireTools = (tools: readonly ToolSpec[]): ChatCompletionTool[] =>
  tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
