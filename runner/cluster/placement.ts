import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/redis-keys.ts';

/** What a process publishes about itself; `/api/cluster` lists these. */
export interface ProcessLoad {
  id: string;
  /** Where clients or operators reach it (http://host:port). */
  url?: string;
  pid: number;
  liveSessions: number;
  queueDepth: number;
  eventLoopLagMs: number;
  /** Share of wall time (0..1) the event loop spent running code. */
  eventLoopUtilization: number;
  /** Sessions whose lease it holds, read live from Redis (not from the published snapshot). */
  ownedSessions: number;
  at: number;
}

export type LoadSample = Pick<ProcessLoad, 'liveSessions' | 'queueDepth' | 'eventLoopLagMs' | 'eventLoopUtilization'>;

export interface PlacementOptions {
  redis: Redis;
  keys: RedisKeys;
  processId: string;
  url?: string;
  sample: () => LoadSample;
  /** A process whose load key is older than this is gone. */
  ttlMs?: number;
  publishEveryMs?: number;
}

export const DEFAULT_LOAD_TTL_MS = 2000;

/**
 * Load-aware placement: each process publishes its load with a TTL; a new session goes to the
 * least-loaded live process. The count of owned sessions is read at decision time from the
 * owned sets (updated atomically by lease acquisition), so a burst of creations spreads evenly
 * even between two publications.
 */
export class Placement {
  private timer: NodeJS.Timeout | undefined;
  readonly ttlMs: number;
  /** Known once the server listens. */
  url: string | undefined;

  constructor(private readonly options: PlacementOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LOAD_TTL_MS;
    this.url = options.url;
  }

  async publish(): Promise<void> {
    const { redis, keys, processId } = this.options;
    const load = { id: processId, url: this.url, pid: process.pid, ...this.options.sample(), at: Date.now() };
    await redis
      .multi()
      .set(keys.load(processId), JSON.stringify(load), 'PX', this.ttlMs)
      .zadd(keys.processes, load.at, processId)
      .exec();
  }

  async start(): Promise<void> {
    await this.publish();
    this.timer ??= setInterval(
      () => void this.publish().catch(() => undefined),
      this.options.publishEveryMs ?? Math.floor(this.ttlMs / 4),
    );
    this.timer.unref();
  }

  /** Leaves the cluster: others stop placing sessions here at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const { redis, keys, processId } = this.options;
    await redis.multi().del(keys.load(processId)).zrem(keys.processes, processId).exec();
  }

  /** Live processes with their load; one round trip for the ids, one for the rest. */
  async list(): Promise<ProcessLoad[]> {
    const { redis, keys } = this.options;
    const ids = await redis.zrange(keys.processes, '0', '-1');
    if (!ids.length) return [];
    const tx = redis.multi().mget(...ids.map(keys.load));
    for (const id of ids) tx.scard(keys.owned(id));
    const results = (await tx.exec()) ?? [];
    const loads = results[0][1] as (string | null)[];
    return ids.flatMap((id, i) => {
      const raw = loads[i];
      if (!raw) return [];
      return [{ ...(JSON.parse(raw) as Omit<ProcessLoad, 'ownedSessions'>), ownedSessions: Number(results[i + 1][1]) }];
    });
  }

  /** Processes that joined and whose load key expired without a graceful leave. */
  async dead(): Promise<string[]> {
    const { redis, keys } = this.options;
    const ids = await redis.zrange(keys.processes, '0', '-1');
    if (!ids.length) return [];
    const loads = await redis.mget(...ids.map(keys.load));
    return ids.filter((_, i) => loads[i] === null);
  }

  /** Forgets a process once a survivor has taken over everything it had. */
  async forget(processId: string): Promise<void> {
    const { redis, keys } = this.options;
    await redis.multi().zrem(keys.processes, processId).del(keys.owned(processId), keys.inbox(processId)).exec();
  }

  /** The process a new session should live on. */
  async choose(): Promise<ProcessLoad | undefined> {
    return pickLeastLoaded(await this.list());
  }
}

/** Lag below this is scheduling noise (a loaded machine shows tens of ms everywhere), not load. */
export const LAG_NOISE_MS = 100;
/** Lag that weighs like one more session. */
const LAG_PER_SESSION_MS = 10;
/** Utilisation up to this is headroom: serving requests in bursts never looks full. */
export const UTILIZATION_HEADROOM = 0.5;
/**
 * …and so is utilisation the other processes share: a process counts as busy only when it is
 * this much busier than the typical one. A burst of creations spread over every process (or a
 * machine every process competes for) raises them all alike, and must not tip the counts.
 */
const BUSIER_THAN_OTHERS = 0.2;

/**
 * The least-loaded process. Load is a score, not a busy/calm cut: a cut flips on every lag spike
 * and sends a whole burst of sessions to whichever process happened to look calm. Queued messages
 * weigh like sessions (work waiting on that event loop); lag past the noise floor adds one
 * session per 10 ms. Utilisation past the headroom, in a process clearly busier than the
 * typical one (the median of all), scales the score by how little of the loop is left (75% busy:
 * twice the load, 90%: five times), so a process made busy by long turns is avoided until the
 * others have caught up with it, whatever the session counts are.
 */
export function pickLeastLoaded(loads: ProcessLoad[]): ProcessLoad | undefined {
  if (!loads.length) return undefined;
  const utilization = (l: ProcessLoad) => Math.min(l.eventLoopUtilization ?? 0, 0.99);
  const typical = [...loads.map(utilization)].sort((a, b) => a - b)[Math.floor((loads.length - 1) / 2)]!;
  const score = (l: ProcessLoad) => {
    const base = 1 + l.ownedSessions + l.queueDepth + Math.max(0, l.eventLoopLagMs - LAG_NOISE_MS) / LAG_PER_SESSION_MS;
    const busy = utilization(l);
    return busy > UTILIZATION_HEADROOM && busy >= typical + BUSIER_THAN_OTHERS
      ? (base * (1 - UTILIZATION_HEADROOM)) / (1 - busy)
      : base;
  };
  const least = Math.min(...loads.map(score));
  // Near-ties are broken at random, so processes deciding at the same instant do not all pick one.
  const near = loads.filter((l) => score(l) <= least + Math.floor(least * 0.02));
  return near[Math.floor(Math.random() * near.length)];
}
