import type { McpServer } from '../../../schemas/mcp.ts';
import { request } from './http.ts';

/** A tool as an MCP server lists it, through the runner (POST /api/mcp/tools). */
export interface McpToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface McpToolList {
  tools: McpToolInfo[];
  /** Tools the runner would not offer a model, with the reason. */
  skipped: Array<{ tool: string; reason: string }>;
}

/** Every tool of `server`, reached under the graph's allowed hosts and the runner's own rules. */
export const listMcpTools = (server: McpServer, allowedHosts: readonly string[]) =>
  request<McpToolList>('POST', '/mcp/tools', { server, allowedHosts });

/** What an MCP server form picks from (GET /api/mcp/options): names only, never values or commands. */
export interface McpOptions {
  /** The tenant's credential names, for an HTTP server's auth header. */
  credentials: string[];
  /** The stdio servers the runner config defines for the tenant. */
  stdioServers: string[];
}

export const mcpOptions = () => request<McpOptions>('GET', '/mcp/options');
