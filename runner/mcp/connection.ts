import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { Backoff } from './backoff.ts';

const CLIENT_INFO = { name: 'switchboard', version: '0.1.0' };

/** The server could not be reached (or is waiting out its backoff): no call was made. */
export class McpUnreachable extends Error {}

/**
 * One MCP client for one tenant's server, shared by every session that uses it. It connects on
 * first use and again after the transport closes or a call fails below the protocol (a dead
 * process, a refused connection). Its tool list is cached and replaced when the server sends
 * notifications/tools/list_changed. After a failed connect, the next attempt waits a capped,
 * jittered, growing delay; until then every use fails at once with the last reason.
 */
export class McpConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private toolList: Tool[] | undefined;
  /** Bumped by each list_changed, so a listing that raced one is not cached. */
  private listVersion = 0;
  private closed = false;
  /** Times a client was connected: 1 + reconnects. */
  connects = 0;
  private readonly backoff: Backoff;

  constructor(
    readonly label: string,
    private readonly makeTransport: () => Transport,
    private readonly connectTimeoutMs: number,
    reconnect: { baseMs: number; maxMs: number } = { baseMs: 500, maxMs: 30_000 },
  ) {
    this.backoff = new Backoff(reconnect.baseMs, reconnect.maxMs);
  }

  /** Closed for good (the pool evicted or closed it): ask the pool again. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The server's tools, from the cache when it has them. */
  async tools(signal?: AbortSignal): Promise<Tool[]> {
    if (this.toolList) return this.toolList;
    const client = await this.ready();
    const version = this.listVersion;
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client
        .listTools(cursor ? { cursor } : undefined, { signal, timeout: this.connectTimeoutMs })
        .catch((e: unknown) => Promise.reject(this.failed(client, e)));
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor && tools.length < 10_000);
    if (this.client === client && version === this.listVersion) this.toolList = tools;
    return tools;
  }

  async call(
    name: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal; timeoutMs: number },
  ): Promise<CallToolResult> {
    // A connected client is used at once: no promise hop on the path every call takes.
    const client = this.client ?? (await this.ready(options.signal));
    try {
      return (await client.callTool({ name, arguments: args }, undefined, {
        signal: options.signal,
        timeout: options.timeoutMs,
        maxTotalTimeout: options.timeoutMs,
      })) as CallToolResult;
    } catch (e) {
      throw this.failed(client, e);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.drop(client);
    await client?.close().catch(() => undefined);
  }

  /** A failure of the link itself (not an answer from the server) makes the next use reconnect. */
  private failed(client: Client, e: unknown): unknown {
    const answered = e instanceof McpError && e.code !== ErrorCode.ConnectionClosed;
    if (!answered) {
      this.drop(client);
      void client.close().catch(() => undefined);
    }
    return e;
  }

  private toolsChanged(client: Client): void {
    if (this.client !== client) return;
    this.listVersion++;
    this.toolList = undefined;
  }

  private drop(client: Client | undefined): void {
    if (client && this.client !== client) return;
    this.client = undefined;
    this.toolList = undefined;
  }

  private ready(signal?: AbortSignal): Promise<Client> {
    if (this.closed) return Promise.reject(new Error(`MCP server "${this.label}" is closed`));
    if (this.client) return Promise.resolve(this.client);
    const wait = this.backoff.waitMs;
    if (wait > 0 && !this.connecting)
      return Promise.reject(
        new McpUnreachable(
          `cannot connect to MCP server "${this.label}": ${this.backoff.lastError} (next attempt in ${wait} ms)`,
        ),
      );
    this.connecting ??= this.connect(signal).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(signal?: AbortSignal): Promise<Client> {
    const client: Client = new Client(CLIENT_INFO, {
      // The cache is dropped at once and listed again on next use: a call made after the
      // notification arrived never sees the old list.
      listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: () => this.toolsChanged(client) } },
    });
    client.onclose = () => this.drop(client);
    // Garbage on the wire or a broken stream (an HTTP server that died mid-call): the link is
    // not trusted any more. Closing it fails the calls in flight at once instead of at their
    // timeout, and the next use reconnects.
    const handshake = new AbortController();
    client.onerror = (e) => {
      if (this.client !== client) return handshake.abort(e);
      this.drop(client);
      void client.close().catch(() => undefined);
    };
    try {
      await client.connect(this.makeTransport(), {
        signal: signal ? AbortSignal.any([signal, handshake.signal]) : handshake.signal,
        timeout: this.connectTimeoutMs,
      });
      if (this.closed) throw new Error('the pool is closed');
    } catch (e) {
      void client.close().catch(() => undefined);
      const reason = e instanceof Error ? e.message : String(e);
      // A turn aborted mid-connect says nothing about the server.
      if (!signal?.aborted && !this.closed) this.backoff.failed(reason);
      throw new McpUnreachable(`cannot connect to MCP server "${this.label}": ${reason}`);
    }
    this.backoff.succeeded();
    this.connects++;
    this.client = client;
    return client;
  }
}
