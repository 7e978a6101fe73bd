import type { Graph } from '../../schemas/graph.ts';
import { McpConnection } from './connection.ts';
import { McpGraphTools } from './graph-tools.ts';
import type { McpLimits, McpStdioServerConfig } from './runner-config.ts';
import { planTransport } from './transports.ts';

export interface McpPoolOptions {
  limits: McpLimits;
  /** tenant → stdio server name → definition, from the runner config. */
  stdio: Readonly<Record<string, Readonly<Record<string, McpStdioServerConfig>>>>;
  /** Most clients kept open at once (default 256). */
  maxConnections?: number;
}

/**
 * Shared MCP clients, like model clients: one connection per tenant and server (its URL and
 * credential, or its stdio definition), reused by every graph and session of that tenant.
 */
export class McpPool {
  private readonly connections = new Map<string, McpConnection>();

  private readonly maxConnections: number;

  constructor(readonly options: McpPoolOptions) {
    this.maxConnections = options.maxConnections ?? 256;
  }

  /** The graph's MCP servers as its agents see them, for one tenant. */
  forGraph(
    tenant: string,
    graph: Pick<Graph, 'mcpServers'> & { limits: Pick<Graph['limits'], 'allowedHosts'> },
    credential: (name: string) => string | undefined,
  ): McpGraphTools {
    return new McpGraphTools(graph.mcpServers ?? [], this.options.limits, (server) => {
      const plan = planTransport(server, {
        tenant,
        graphHosts: graph.limits.allowedHosts,
        runnerHosts: this.options.limits.allowedHosts,
        stdio: Object.hasOwn(this.options.stdio, tenant) ? this.options.stdio[tenant] : {},
        credential,
      });
      const key = `${tenant}\u0000${plan.key}`;
      const limits = this.options.limits;
      let connection = this.connections.get(key);
      if (connection)
        this.connections.delete(key); // re-inserted below: the map's order is the order of last use
      else
        connection = new McpConnection(server.id, plan.make, limits.connectTimeoutMs, {
          baseMs: limits.reconnectBaseMs,
          maxMs: limits.reconnectMaxMs,
        });
      this.connections.set(key, connection);
      this.evict();
      return connection;
    });
  }

  /** Graphs may name many distinct URLs: the least recently used clients beyond the cap are closed. */
  private evict(): void {
    for (const [key, connection] of this.connections) {
      if (this.connections.size <= this.maxConnections) return;
      this.connections.delete(key);
      void connection.close();
    }
  }

  get size(): number {
    return this.connections.size;
  }

  /** Closes every client (stdio servers are stopped). */
  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}
