import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { McpToolName, type McpServer } from '../../schemas/mcp.ts';
import type { ToolSpec } from '../models/types.ts';
import { boundedCall, type McpCallOutcome } from './bounded-call.ts';
import type { McpConnection } from './connection.ts';
import type { McpLimits } from './runner-config.ts';
import { McpRefused } from './transports.ts';

/** A server's tools as a model gets them, and the ones left out with the reason. */
export interface ServerTools {
  specs: ToolSpec[];
  skipped: Array<{ tool: string; reason: string }>;
}

/**
 * A graph's MCP servers for one tenant: what its agents list and call. Connections come from the
 * shared pool; the graph's own `allowedTools` filter what its agents see and may call.
 */
export class McpGraphTools {
  private readonly servers: Map<string, McpServer>;
  /** The pool's connection of each server, looked up again only once the pool closed it. */
  private readonly connections = new Map<string, McpConnection>();
  /** Each server's specs and the tool list they were made from (the connection's cached array). */
  private readonly specs = new Map<string, { listed: readonly Tool[]; tools: ServerTools }>();

  constructor(
    servers: readonly McpServer[],
    private readonly limits: McpLimits,
    private readonly connect: (server: McpServer) => McpConnection,
  ) {
    this.servers = new Map(servers.map((s) => [s.id, s]));
  }

  /** The server's allowed tools as OpenAI tool specs; throws when it cannot be reached or is refused. */
  async tools(serverId: string, signal?: AbortSignal): Promise<ServerTools> {
    const server = this.server(serverId);
    const listed = await this.connection(server).tools(signal);
    // Every turn of an assistant asks; the specs are made again only when the server's list changed.
    const cached = this.specs.get(serverId);
    if (cached?.listed === listed) return cached.tools;
    const tools = specsOf(server, listed);
    this.specs.set(serverId, { listed, tools });
    return tools;
  }

  /** Calls a tool of a server, bounded by the runner's limits; never throws. */
  async call(
    serverId: string,
    tool: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<McpCallOutcome> {
    const bounds = { timeoutMs: this.limits.callTimeoutMs, maxResultChars: this.limits.maxResultChars, signal };
    let connection: McpConnection;
    try {
      const server = this.server(serverId);
      if (server.allowedTools.length && !server.allowedTools.includes(tool))
        throw new McpRefused(`MCP server "${serverId}" does not allow the tool "${tool}"`);
      connection = this.connection(server);
    } catch (e) {
      return { ok: false, output: `Error: ${(e as Error).message}`, latencyMs: 0, resultChars: 0, truncated: false };
    }
    return boundedCall(connection, tool, args, bounds);
  }

  private connection(server: McpServer): McpConnection {
    let connection = this.connections.get(server.id);
    if (!connection || connection.isClosed) this.connections.set(server.id, (connection = this.connect(server)));
    return connection;
  }

  private server(id: string): McpServer {
    const server = this.servers.get(id);
    if (!server) throw new McpRefused(`the graph has no MCP server "${id}"`);
    return server;
  }
}

/** The server's allowed tools as a model gets them. */
function specsOf(server: McpServer, listed: readonly Tool[]): ServerTools {
  const allowed = server.allowedTools.length ? new Set(server.allowedTools) : undefined;
  const out: ServerTools = { specs: [], skipped: [] };
  for (const tool of listed) {
    if (allowed && !allowed.has(tool.name)) continue;
    const spec = toSpec(tool);
    if (typeof spec === 'string') out.skipped.push({ tool: String(tool.name).slice(0, 100), reason: spec });
    else out.specs.push(spec);
  }
  return out;
}

/** The spec a model gets, or why the tool cannot be offered (a name or schema OpenAI would refuse). */
function toSpec(tool: Tool): ToolSpec | string {
  if (!McpToolName.safeParse(tool.name).success)
    return 'its name is not a valid tool name (letters, digits, "_", "-"; at most 64)';
  const schema = tool.inputSchema as Record<string, unknown> | undefined;
  if (!schema || typeof schema !== 'object' || schema.type !== 'object')
    return 'its input schema is not a JSON Schema object';
  const description =
    typeof tool.description === 'string'
      ? tool.description.slice(0, 2000)
      : typeof tool.title === 'string'
        ? tool.title
        : '';
  return { name: tool.name, description, parameters: schema };
}
