import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { StoredGraph } from '../../store/types.ts';

/**
 * How a graph looks as an MCP tool: its id is the tool's name (graph ids already follow MCP's
 * tool-name rule), its description says what the team does, and every graph takes the same
 * input: one chat message, and optionally the Switchboard session to continue.
 */
export const TOOL_INPUT_SCHEMA: Tool['inputSchema'] = {
  type: 'object',
  properties: {
    message: { type: 'string', minLength: 1, description: 'The chat message to send to the team.' },
    session: {
      type: 'string',
      description:
        'A Switchboard session id (from an earlier result) to continue. Without it, calls in one MCP session continue one conversation per graph.',
    },
  },
  required: ['message'],
  additionalProperties: false,
};

export const TOOL_OUTPUT_SCHEMA: Tool['outputSchema'] = {
  type: 'object',
  properties: {
    session: { type: 'string', description: 'The Switchboard session that ran the turn.' },
    waitingForAnswer: {
      type: 'boolean',
      description: 'A person in the team asked a question; the next call answers it.',
    },
  },
  required: ['session', 'waitingForAnswer'],
};

export function graphTool(stored: StoredGraph): Tool {
  const { graph } = stored;
  const about = graph.description.trim() || graph.name;
  return {
    name: graph.id,
    title: graph.name,
    description: `${about}\n\nSends one message to this multi-agent team and returns its answer. Follow-up calls continue the conversation.`,
    inputSchema: TOOL_INPUT_SCHEMA,
    outputSchema: TOOL_OUTPUT_SCHEMA,
  };
}
