import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { runnableGraphs } from '../runnable-graphs.ts';
import { graphTool } from './graph-tools.ts';
import type { McpSession } from './mcp-sessions.ts';
import { callGraphTool, type ToolCallDeps } from './tool-call.ts';

export const SERVER_INFO = { name: 'switchboard', version: '0.1.0' };

/**
 * The MCP server behind one MCP session. The SDK's low-level Server, not McpServer: the tools
 * are the tenant's graphs as the store holds them at each request, not a list fixed at start.
 */
export function graphServer(deps: ToolCallDeps, session: () => McpSession): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions:
      'Each tool is a Switchboard multi-agent team. Call it with a chat message; calls in one MCP session continue the conversation.',
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const graphs = await runnableGraphs(deps.store, session().caller.tenant);
    return { tools: graphs.map(graphTool) };
  });
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const canElicit = server.getClientCapabilities()?.elicitation !== undefined;
    return callGraphTool(deps, session(), request.params.name, request.params.arguments, extra, canElicit);
  });
  return server;
}
