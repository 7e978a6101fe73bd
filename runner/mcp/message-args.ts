/**
 * A `tool` agent's arguments for an MCP tool: a message holding a JSON object is the arguments
 * themselves; any other text goes into the parameter the agent's `argument` names ("input" when
 * it names none).
 */
export function mcpArgsFromMessage(content: string, argument: string | undefined): Record<string, unknown> {
  const text = content.trim();
  if (text.startsWith('{')) {
    try {
      const value = JSON.parse(text) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // Not JSON after all: the text is the argument.
    }
  }
  return { [argument || 'input']: content };
}
