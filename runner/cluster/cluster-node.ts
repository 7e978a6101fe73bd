import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import { DEFAULT_REDIS_PREFIX, redisKeys, type RedisKeys } from '../store/redis-keys.ts';
import { Inbox, type InboxEntry, type InboxMessage } from './inbox.ts';
import { Leases, parseOwnedMember, type OwnedSession } from './lease.ts';
import { Placement, type LoadSample } from './placement.ts';

export interface ClusterOptions {
  redisUrl: string;
  prefix?: string;
  /** Unique per process; defaults to host, pid and a random suffix. */
  processId?: string;
  /** Advertised in /api/cluster. */
  url?: string;
  leaseTtlMs?: number;
  loadTtlMs?: number;
  /** How often a process looks for dead peers to take over from. */
  sweepEveryMs?: number;
  /** How long a call to another process may take before it fails. */
  callTimeoutMs?: number;
  /** Issues fencing tokens from the durable store (see LeaseOptions.issueFence). */
  issueFence?: (sessionId: string) => Promise<number>;
  /** Sees the Redis client before first use (the round-trip counter hooks in here). */
  watch?: (client: Redis) => Redis;
}

/** A request to another process, answered on the caller's own inbox. */
export interface CallBody {
  op: string;
  args: unknown;
  replyTo: string;
  requestId: string;
}
interface ResultBody {
  requestId: string;
  ok: boolean;
  value?: unknown;
  error?: { code: string; status: number; message: string; details?: unknown };
}

export interface ClusterHandlers {
  /** Handles a call or a placement addressed to this process. */
  handle(entry: InboxEntry): Promise<void | { ackWhen: Promise<unknown> }>;
  /** A session's lease was found lost at renewal: drop it from memory without writing. */
  lost(session: OwnedSession): void;
  /** A dead peer owned this session and this process now holds its lease: load it and go on. */
  takenOver(session: OwnedSession): Promise<void>;
  sample(): LoadSample;
}

/**
 * This process as a cluster member: its Redis connection, its leases, its inbox, its published
 * load, and a sweeper that takes over from peers whose load key expired (they died without
 * leaving). Knows nothing of sessions: ClusterSessions gives it handlers.
 */
export class ClusterNode {
  readonly id: string;
  readonly keys: RedisKeys;
  readonly leases: Leases;
  readonly inbox: Inbox;
  readonly placement: Placement;
  private readonly pending = new Map<
    string,
    { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }
  >();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private handlers: ClusterHandlers | undefined;
  private subscriber: Redis | undefined;
  private readonly adopted: Redis[] = [];
  private readonly watchers = new Map<string, Set<(event: string, payload: unknown) => void>>();

  private constructor(
    readonly redis: Redis,
    private readonly options: ClusterOptions,
  ) {
    this.id = options.processId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
    this.keys = redisKeys(options.prefix ?? DEFAULT_REDIS_PREFIX);
    this.leases = new Leases({
      redis,
      keys: this.keys,
      owner: this.id,
      ttlMs: options.leaseTtlMs,
      issueFence: options.issueFence,
      onLost: (session) => this.handlers?.lost(session),
    });
    this.inbox = new Inbox({
      redis,
      keys: this.keys,
      processId: this.id,
      handle: (entry) => this.route(entry),
      onError: (error) => console.error(`cluster ${this.id}: inbox entry failed:`, (error as Error).message),
    });
    this.placement = new Placement({
      redis,
      keys: this.keys,
      processId: this.id,
      url: options.url,
      ttlMs: options.loadTtlMs,
      sample: () =>
        this.handlers?.sample() ?? { liveSessions: 0, queueDepth: 0, eventLoopLagMs: 0, eventLoopUtilization: 0 },
    });
  }

  /** Takes a client made for this member (the Socket.IO adapter's) to disconnect it with the rest. */
  adopt(client: Redis): Redis {
    this.adopted.push(client);
    return client;
  }

  /** Connects or fails at once with the URL in the message (a runner must not start half-clustered). */
  static async connect(options: ClusterOptions): Promise<ClusterNode> {
    // Auto-pipelining: what one tick asks of Redis (a turn's events, say) goes in one write.
    const client = new Redis(options.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 3,
      connectTimeout: 5000,
      enableAutoPipelining: true,
    });
    const redis = options.watch?.(client) ?? client;
    // The failure is reported once, below, with its cause, not as an "unhandled error event".
    let cause: Error | undefined;
    const quiet = (error: Error) => (cause = error);
    redis.on('error', quiet);
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new AppError(
        'redis_unreachable',
        503,
        `cannot reach Redis at ${options.redisUrl}: ${(cause ?? (error as Error)).message}`,
      );
    } finally {
      redis.off('error', quiet);
    }
    return new ClusterNode(redis, options);
  }

  /**
   * Listens to a session owned elsewhere: joins the session's watcher set (read by any future
   * owner) and its pub/sub channel. Returns the way out.
   */
  async watch(sessionId: string, listener: (event: string, payload: unknown) => void): Promise<() => Promise<void>> {
    const channel = this.keys.events(sessionId);
    let listeners = this.watchers.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.watchers.set(channel, listeners);
      this.subscriber ??= this.createSubscriber();
      await this.subscriber.subscribe(channel);
      await this.redis.hincrby(this.keys.watchers, sessionId, 1);
    }
    listeners.add(listener);
    return async () => {
      if (!listeners.delete(listener) || listeners.size) return;
      this.watchers.delete(channel);
      await this.subscriber?.unsubscribe(channel);
      if ((await this.redis.hincrby(this.keys.watchers, sessionId, -1)) <= 0)
        await this.redis.hdel(this.keys.watchers, sessionId);
    };
  }

  async hasWatchers(sessionId: string): Promise<boolean> {
    return Number(await this.redis.hget(this.keys.watchers, sessionId)) > 0;
  }

  publishEvent(sessionId: string, event: string, payload: unknown): void {
    void this.redis.publish(this.keys.events(sessionId), JSON.stringify([event, payload])).catch(() => undefined);
  }

  private createSubscriber(): Redis {
    const subscriber = this.redis.duplicate();
    subscriber.on('message', (channel: string, text: string) => {
      const [event, payload] = JSON.parse(text) as [string, unknown];
      for (const listener of this.watchers.get(channel) ?? []) listener(event, payload);
    });
    return subscriber;
  }

  async start(handlers: ClusterHandlers): Promise<void> {
    this.handlers = handlers;
    await this.inbox.start();
    this.leases.start();
    await this.placement.start();
    const every = this.options.sweepEveryMs ?? 500;
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref();
  }

  /** Sends a call to one process and waits for its answer. */
  call(processId: string, sessionId: string, op: string, args: unknown): Promise<unknown> {
    return this.request(
      (body) => this.inbox.post(processId, { sessionId, kind: 'call', body: { ...body } }),
      op,
      args,
    ).then((r) => r.value);
  }

  /** Sends a call to whoever owns the session; `undefined` when nobody does. */
  async callOwner(sessionId: string, op: string, args: unknown): Promise<{ value: unknown } | undefined> {
    let delivered = true;
    const result = await this.request(
      async (body) => {
        delivered = (await this.inbox.deliver({ sessionId, kind: 'call', body: { ...body } })).delivered;
      },
      op,
      args,
      () => delivered,
    );
    return delivered ? result : undefined;
  }

  /** Answers a call on the caller's inbox. */
  async answer(call: CallBody, outcome: { value: unknown } | { error: unknown }): Promise<void> {
    const body: ResultBody =
      'error' in outcome
        ? { requestId: call.requestId, ok: false, error: errorBody(outcome.error) }
        : { requestId: call.requestId, ok: true, value: outcome.value };
    await this.inbox.post(call.replyTo, {
      sessionId: '',
      kind: 'result',
      body: body as unknown as Record<string, unknown>,
    });
  }

  /** Forwards an entry, unchanged, to the session's current owner; false when nobody owns it. */
  async forward(entry: InboxMessage): Promise<boolean> {
    return (await this.inbox.deliver(entry)).delivered;
  }

  /** Takes over from every peer that died: their sessions, then their unanswered messages. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Leaves: stops being placed on, hands every held session to `handOver`, then goes. */
  async leave(handOver: (sessions: OwnedSession[]) => Promise<void>): Promise<void> {
    clearInterval(this.sweeper);
    await this.placement.stop();
    await handOver(this.leases.sessions());
    await this.leases.stop({ release: true });
    await this.inbox.stop();
    // Whatever reached this process's stream meanwhile goes to the sessions' new owners.
    await this.inbox.drain(this.id);
    await this.placement.forget(this.id);
    this.subscriber?.disconnect();
    for (const client of this.adopted) client.disconnect();
    this.redis.disconnect();
  }

  /** Stops without handing anything over (tests, or after leave). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
    await this.leases.stop({ release: false });
    await this.inbox.stop();
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new AppError('unavailable', 503, 'cluster node closed'));
    }
    this.pending.clear();
    this.subscriber?.disconnect();
    for (const client of this.adopted) client.disconnect();
    this.redis.disconnect();
  }

  private async sweepOnce(): Promise<void> {
    try {
      for (const dead of await this.placement.dead()) {
        let stillLeased = 0;
        for (const member of await this.redis.smembers(this.keys.owned(dead))) {
          const session = parseOwnedMember(member);
          const owner = await this.leases.ownerOf(session.sessionId);
          if (owner === dead) {
            stillLeased += 1; // its lease has not expired yet: next sweep
            continue;
          }
          await this.redis.srem(this.keys.owned(dead), member);
          if (owner !== undefined) continue; // someone already took it
          const taken = await this.leases.acquire(session);
          if (taken.acquired) await this.handlers?.takenOver(session);
        }
        // Its stream is drained once its sessions have new owners to forward the entries to.
        if (stillLeased) continue;
        await this.inbox.drain(dead);
        await this.placement.forget(dead);
      }
    } catch (error) {
      console.error(`cluster ${this.id}: sweep failed:`, (error as Error).message);
    }
  }

  private async route(entry: InboxEntry): Promise<void | { ackWhen: Promise<unknown> }> {
    if (entry.kind === 'result') {
      const result = entry.body as unknown as ResultBody;
      const waiter = this.pending.get(result.requestId);
      if (!waiter) return; // answered twice (a redelivered call): the first answer won
      this.pending.delete(result.requestId);
      clearTimeout(waiter.timer);
      if (result.ok) waiter.resolve(result.value);
      else
        waiter.reject(
          new AppError(result.error!.code, result.error!.status, result.error!.message, result.error!.details),
        );
      return;
    }
    return this.handlers?.handle(entry);
  }

  private request(
    send: (body: CallBody) => Promise<void>,
    op: string,
    args: unknown,
    sent: () => boolean = () => true,
  ): Promise<{ value: unknown }> {
    const body: CallBody = { op, args, replyTo: this.id, requestId: randomUUID() };
    const timeoutMs = this.options.callTimeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(body.requestId);
        reject(
          new AppError('unavailable', 503, `no answer from the session's owner within ${timeoutMs} ms (op "${op}")`),
        );
      }, timeoutMs);
      this.pending.set(body.requestId, { resolve: (value) => resolve({ value }), reject, timer });
      send(body).then(
        () => {
          if (sent()) return;
          clearTimeout(timer);
          this.pending.delete(body.requestId);
          resolve({ value: undefined });
        },
        (error: Error) => {
          clearTimeout(timer);
          this.pending.delete(body.requestId);
          reject(error);
        },
      );
    });
  }
}

function errorBody(error: unknown): ResultBody['error'] {
  if (error instanceof AppError)
    return { code: error.code, status: error.status, message: error.message, details: error.details };
  return { code: 'internal', status: 500, message: (error as Error)?.message ?? String(error) };
}
