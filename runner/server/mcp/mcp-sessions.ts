import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Caller } from '../../sessions/types.ts';

/**
 * The open MCP sessions of this process. Each is bound to the caller whose token created it: a
 * request naming it with another token is answered as if the id did not exist. Each holds the
 * Switchboard session it runs per graph, so follow-up tool calls continue the conversation.
 */
export interface McpSession {
  readonly id: string;
  readonly caller: Caller;
  readonly transport: StreamableHTTPServerTransport;
  /** Graph id → Switchboard session id. */
  readonly conversations: Map<string, string>;
  lastSeen: number;
  /** Tool calls running now: a call waiting on a person for long is not idleness. */
  calls: number;
}

export class McpSessions {
  private readonly byId = new Map<string, McpSession>();

  constructor(private readonly limits: { perTenant: number; idleMs: number }) {}

  /** The session with this id if `caller` created it; otherwise undefined, as for an unknown id. */
  find(id: string, caller: Caller): McpSession | undefined {
    const session = this.byId.get(id);
    if (!session || session.caller.tenant !== caller.tenant || session.caller.user !== caller.user) return undefined;
    session.lastSeen = Date.now();
    return session;
  }

  add(session: McpSession): void {
    this.byId.set(session.id, session);
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  /** Whether the tenant may open one more session, after closing its sessions idle for too long. */
  async roomFor(tenant: string): Promise<boolean> {
    const now = Date.now();
    const mine = [...this.byId.values()].filter((s) => s.caller.tenant === tenant);
    const idle = mine.filter((s) => s.calls === 0 && now - s.lastSeen > this.limits.idleMs);
    await Promise.all(idle.map((s) => this.close(s)));
    return mine.length - idle.length < this.limits.perTenant;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.byId.values()].map((s) => this.close(s)));
  }

  private async close(session: McpSession): Promise<void> {
    this.byId.delete(session.id);
    await session.transport.close();
  }
}
