import { z } from 'zod';
import { McpToolRef } from '../mcp.ts';
import { BuiltinToolName } from '../tools.ts';
import { agentCommon } from './common.ts';

/** Runs one tool (built-in, or one MCP server's tool) on the message it receives and publishes the result. */
export const ToolAgent = z.object({
  ...agentCommon,
  kind: z.literal('tool'),
  config: z
    .object({
      /** A built-in tool; absent when `mcp` names the tool. */
      tool: BuiltinToolName.optional(),
      /** One tool of one of the graph's MCP servers, instead of a built-in. */
      mcp: McpToolRef.optional(),
      /** For json_path: the path to read; for http_get: a URL template with {input}; for an MCP tool: the parameter a plain-text message goes to (default "input"). */
      argument: z.string().max(2000).optional(),
    })
    .strict(),
});
