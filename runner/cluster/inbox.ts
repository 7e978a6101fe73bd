import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/redis-keys.ts';

/**
 * How a message reaches a session's owner from any process: each process reads its own stream
 * (`inbox:<process>`) through a consumer group, and an entry is acknowledged only after the
 * handler resolved, i.e. after the turn's state is persisted. If the owner dies first the entry
 * stays pending, and a survivor claims it with XAUTOCLAIM. Redelivery is made harmless by the
 * entry's message id, which the session manager deduplicates.
 */

/** What travels to the owner: a session operation, addressed by session id. */
export interface InboxMessage {
  sessionId: string;
  /** The operation, e.g. "send", "reply", "adopt"; the receiver knows what each means. */
  kind: string;
  body: Record<string, unknown>;
}

export interface InboxEntry extends InboxMessage {
  /** Stream and entry id, to acknowledge it where it was read. */
  stream: string;
  entryId: string;
}

/**
 * Handles one entry. The next entry of the same session starts when this resolves; the entry is
 * acknowledged when `ackWhen` settles (a turn that was accepted now and persists later).
 */
export type InboxHandler = (entry: InboxEntry) => Promise<void | { ackWhen: Promise<unknown> }>;

const GROUP = 'owners';

// Looks up the owner and appends to its stream in one step, so the entry can only land in the
// stream of a process that held the lease at that instant (the inbox key is built here from the
// prefix: Switchboard runs on one Redis, not Redis Cluster).
const DELIVER = `
local held = redis.call('GET', KEYS[1])
if not held then return {0, ''} end
local owner = string.match(held, '^(%S+) ')
redis.call('XADD', ARGV[1] .. owner, '*', 's', ARGV[2], 'k', ARGV[3], 'b', ARGV[4])
return {1, owner}`;

type Scripted = Redis & {
  inboxDeliver(
    lease: string,
    inboxPrefix: string,
    sessionId: string,
    kind: string,
    body: string,
  ): Promise<[number, string]>;
};

export interface InboxOptions {
  redis: Redis;
  keys: RedisKeys;
  processId: string;
  handle: InboxHandler;
  /** Called when a handler fails; the entry is acknowledged anyway so a bad one cannot loop. */
  onError?: (error: unknown, entry: InboxEntry) => void;
  batch?: number;
}

export type DeliverResult = { delivered: true; owner: string } | { delivered: false };

export class Inbox {
  private readonly redis: Scripted;
  private reader: Redis | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Per-session chains: one session's entries are handled in order, different sessions in parallel. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly acking = new Set<Promise<void>>();

  constructor(private readonly options: InboxOptions) {
    options.redis.defineCommand('inboxDeliver', { numberOfKeys: 1, lua: DELIVER });
    this.redis = options.redis as Scripted;
  }

  get stream(): string {
    return this.options.keys.inbox(this.options.processId);
  }

  /** Appends to the current owner's stream; `delivered: false` means nobody owns the session. */
  async deliver(message: InboxMessage): Promise<DeliverResult> {
    const { keys } = this.options;
    const [ok, owner] = await this.redis.inboxDeliver(
      keys.lease(message.sessionId),
      keys.inbox(''),
      message.sessionId,
      message.kind,
      JSON.stringify(message.body),
    );
    return ok === 1 ? { delivered: true, owner } : { delivered: false };
  }

  /** Appends to one process's stream, whoever owns the session (replies, placements, handovers). */
  async post(processId: string, message: InboxMessage): Promise<void> {
    await this.redis.xadd(
      this.options.keys.inbox(processId),
      '*',
      's',
      message.sessionId,
      'k',
      message.kind,
      'b',
      JSON.stringify(message.body),
    );
  }

  async start(): Promise<void> {
    await ensureGroup(this.options.redis, this.stream);
    // A blocking read needs a connection of its own.
    this.reader = this.options.redis.duplicate();
    this.loop = this.readLoop(this.reader);
  }

  /** Stops reading and waits for the entries being handled (so they are acknowledged). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.reader?.disconnect();
    await this.loop;
    await this.idle();
  }

  async idle(): Promise<void> {
    while (this.chains.size || this.acking.size) await Promise.all([...this.chains.values(), ...this.acking]);
  }

  /**
   * Takes over a dead process's stream: its pending entries (delivered, never acknowledged) and
   * the ones it never read. Returns how many entries were handled.
   */
  async drain(deadProcessId: string): Promise<number> {
    const stream = this.options.keys.inbox(deadProcessId);
    const me = this.options.processId;
    await ensureGroup(this.options.redis, stream);
    let handled = 0;
    let cursor = '0-0';
    do {
      const [next, claimed] = (await this.redis.xautoclaim(
        stream,
        GROUP,
        me,
        0,
        cursor,
        'COUNT',
        this.options.batch ?? 100,
      )) as [string, RawEntry[]];
      cursor = next;
      handled += this.dispatch(stream, claimed);
    } while (cursor !== '0-0');
    for (;;) {
      const read = (await this.redis.xreadgroup(
        'GROUP',
        GROUP,
        me,
        'COUNT',
        this.options.batch ?? 100,
        'STREAMS',
        stream,
        '>',
      )) as [string, RawEntry[]][] | null;
      const entries = read?.[0]?.[1] ?? [];
      if (!entries.length) break;
      handled += this.dispatch(stream, entries);
    }
    await this.idle();
    return handled;
  }

  private async readLoop(reader: Redis): Promise<void> {
    const me = this.options.processId;
    while (!this.stopped) {
      try {
        const read = (await reader.xreadgroup(
          'GROUP',
          GROUP,
          me,
          'COUNT',
          this.options.batch ?? 100,
          'BLOCK',
          0,
          'STREAMS',
          this.stream,
          '>',
        )) as [string, RawEntry[]][] | null;
        if (read) this.dispatch(this.stream, read[0][1]);
      } catch (error) {
        if (this.stopped) return;
        // A process that was stopped (SIGSTOP) and given up for dead finds its stream deleted.
        if ((error as Error).message.includes('NOGROUP'))
          await ensureGroup(this.options.redis, this.stream).catch(() => undefined);
        else this.options.onError?.(error, { stream: this.stream, entryId: '', sessionId: '', kind: 'read', body: {} });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private dispatch(stream: string, entries: RawEntry[]): number {
    for (const [entryId, fields] of entries) {
      if (!fields) continue; // deleted while pending: nothing left to handle
      const entry = parseEntry(stream, entryId, fields);
      // Entries of no session (replies, creations) need no ordering.
      const chainKey = entry.sessionId || entryId;
      const previous = this.chains.get(chainKey) ?? Promise.resolve();
      const next = previous.then(() => this.handleOne(entry));
      this.chains.set(chainKey, next);
      void next.then(() => {
        if (this.chains.get(chainKey) === next) this.chains.delete(chainKey);
      });
    }
    return entries.length;
  }

  private async handleOne(entry: InboxEntry): Promise<void> {
    let ackWhen: Promise<unknown> | undefined;
    try {
      ackWhen = (await this.options.handle(entry))?.ackWhen;
    } catch (error) {
      this.options.onError?.(error, entry);
    }
    const ack = async () => {
      await ackWhen?.catch((error: unknown) => this.options.onError?.(error, entry));
      // The entry is done with: acknowledge and drop it in one round trip.
      await this.redis
        .multi()
        .xack(entry.stream, GROUP, entry.entryId)
        .xdel(entry.stream, entry.entryId)
        .exec()
        .catch(() => undefined);
    };
    if (!ackWhen) return ack();
    const pending = ack();
    this.acking.add(pending);
    void pending.finally(() => this.acking.delete(pending));
  }
}

type RawEntry = [string, string[] | null];

function parseEntry(stream: string, entryId: string, fields: string[]): InboxEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return { stream, entryId, sessionId: f.s, kind: f.k, body: JSON.parse(f.b ?? '{}') as Record<string, unknown> };
}

async function ensureGroup(redis: Redis, stream: string): Promise<void> {
  // "0": entries appended before the group existed are still read.
  await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM').catch((error: Error) => {
    if (!error.message.includes('BUSYGROUP')) throw error;
  });
}
