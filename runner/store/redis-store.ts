import { Redis } from 'ioredis';
import { AppError, invalid } from '../errors.ts';
import type { SessionInfo } from '../../schemas/protocol.ts';
import { StaleFenceError } from './errors.ts';
import { InFlight } from './in-flight.ts';
import { DEFAULT_REDIS_PREFIX, redisKeys, type RedisKeys } from './redis-keys.ts';
import { applyChange, type SnapshotChange } from '../sessions/snapshot-change.ts';
import { decodeReply, encodeHead, headOf, PUT_SESSION, PUT_SESSION_KEYS, withEntries } from './redis-put-session.ts';
import type { SessionWrite } from './session-write.ts';
import { segment } from './store-paths.ts';
import type { LoadedSession, SessionRecord, Store, StoredGraph } from './types.ts';
import { checkMemoryEntry, MAX_MEMORY_KEYS, memoryFull } from './memory-limits.ts';

/**
 * How long the writer may hold a write that can wait for the session's next one (see
 * SessionStore.coalesceMs). A client that sends its next message as soon as a turn ends gets it
 * here within a millisecond or two, even on a loaded machine; a person typing does not, and the
 * write then goes out alone.
 */
const COALESCE_MS = 5;

// Counting and writing in one step, so concurrent writers cannot overfill a user's memory.
const SET_MEMORY = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

// The "latest" hash only moves forward, so writing an old version never hides a newer one.
const PUT_GRAPH = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
local latest = redis.call('HGET', KEYS[2], ARGV[2])
if (not latest) or tonumber(cjson.decode(latest).version) <= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
end
redis.call('SADD', KEYS[3], ARGV[4])
return 1`;

type Scripted = Redis & {
  putSessionScript(...keysAndArgs: string[]): Promise<[number, number]>;
  putGraphScript(k1: string, k2: string, k3: string, ...argv: string[]): Promise<number>;
  setMemoryScript(key: string, field: string, value: string, max: string): Promise<number>;
};

export interface RedisStoreOptions {
  /** Connection URL (redis://host:port/db) or an existing client the caller keeps ownership of. */
  redis: string | Redis;
  /** Namespace for every key, so several deployments or test runs share one Redis. */
  prefix?: string;
}

/** The Store on Redis: what cluster mode runs on, so every process sees the same state. */
export class RedisStore implements Store {
  readonly keys: RedisKeys;
  private readonly redis: Scripted;
  private readonly ownsClient: boolean;
  readonly coalesceMs = COALESCE_MS;
  private readonly writes = new InFlight();

  constructor(options: RedisStoreOptions) {
    this.ownsClient = typeof options.redis === 'string';
    const client =
      typeof options.redis === 'string' ? new Redis(options.redis, { maxRetriesPerRequest: 3 }) : options.redis;
    client.defineCommand('putSessionScript', { numberOfKeys: PUT_SESSION_KEYS, lua: PUT_SESSION });
    client.defineCommand('putGraphScript', { numberOfKeys: 3, lua: PUT_GRAPH });
    client.defineCommand('setMemoryScript', { numberOfKeys: 1, lua: SET_MEMORY });
    this.redis = client as Scripted;
    this.keys = redisKeys(options.prefix ?? DEFAULT_REDIS_PREFIX);
  }

  async listGraphs(tenant: string): Promise<StoredGraph[]> {
    const all = await this.redis.hvals(this.keys.graphLatest(tenant));
    return all.map((s) => JSON.parse(s) as StoredGraph).sort((a, b) => a.id.localeCompare(b.id));
  }

  async getGraph(tenant: string, id: string, version?: number): Promise<StoredGraph | undefined> {
    const raw =
      version === undefined
        ? await this.redis.hget(this.keys.graphLatest(tenant), id)
        : await this.redis.hget(this.keys.graphVersions(tenant, id), String(version));
    return raw ? (JSON.parse(raw) as StoredGraph) : undefined;
  }

  async listGraphVersions(tenant: string, id: string): Promise<number[]> {
    const versions = await this.redis.hkeys(this.keys.graphVersions(tenant, id));
    return versions.map(Number).sort((a, b) => a - b);
  }

  putGraph(record: StoredGraph): Promise<void> {
    return this.writes.run(async () => {
      if (!Number.isInteger(record.version) || record.version < 1)
        throw invalid(`graph version ${JSON.stringify(record.version)} must be a positive integer`, {
          field: 'version',
        });
      const k = this.keys;
      await this.redis.putGraphScript(
        k.graphVersions(record.tenant, record.id),
        k.graphLatest(record.tenant),
        k.tenants,
        String(record.version),
        record.id,
        JSON.stringify(record),
        record.tenant,
      );
    });
  }

  deleteGraph(tenant: string, id: string): Promise<void> {
    return this.writes.run(async () => {
      await this.redis.multi().del(this.keys.graphVersions(tenant, id)).hdel(this.keys.graphLatest(tenant), id).exec();
    });
  }

  async getSession(tenant: string, id: string): Promise<SessionRecord | undefined> {
    return (await this.loadSession(tenant, id))?.record;
  }

  async loadSession(tenant: string, id: string): Promise<LoadedSession | undefined> {
    const k = this.keys;
    const [[, raw], [, entries], [, info], [, [snapshot, inbox, revision]], [, accepted], [, changes]] =
      (await this.redis
        .multi()
        .get(k.session(tenant, id))
        .lrange(k.transcript(tenant, id), 0, -1)
        .hget(k.sessionInfo(tenant), id)
        .hmget(k.sessionState(tenant, id), 'snapshot', 'inbox', 'rev')
        .lrange(k.accepted(tenant, id), 0, -1)
        .lrange(k.snapshotChanges(tenant, id), 0, -1)
        .exec()) as [
        [unknown, string | null],
        [unknown, string[]],
        [unknown, string | null],
        [unknown, [string | null, string | null, string | null]],
        [unknown, string[]],
        [unknown, string[]],
      ];
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as Partial<SessionRecord>;
    const transcript = stored.transcript ?? entries.map((e) => JSON.parse(e) as SessionRecord['transcript'][number]);
    // A record stored whole by an older version has everything in it.
    if (stored.info)
      return {
        record: { ...stored, transcript } as SessionRecord,
        transcriptOffset: 0,
        revision: undefined,
        snapshotChanges: 0,
      };
    return {
      record: {
        info: JSON.parse(info!) as SessionInfo,
        transcript,
        ...(snapshot ? { snapshot: changed(id, JSON.parse(snapshot) as SessionRecord['snapshot'], changes) } : {}),
        acceptedMessageIds: accepted,
        ...(inbox && inbox !== 'null' ? { inbox: JSON.parse(inbox) as SessionRecord['inbox'] } : {}),
      },
      transcriptOffset: 0,
      revision: revision ?? undefined,
      snapshotChanges: changes.length,
    };
  }

  /** Whether the tenant has this session, without reading its record. */
  async hasSession(tenant: string, id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.session(tenant, id))) === 1;
  }

  /** A session's summary from the index, without reading its record (an older version's record has it inside). */
  async getSessionInfo(tenant: string, id: string): Promise<SessionInfo | undefined> {
    const indexed = await this.redis.hget(this.keys.sessionInfo(tenant), id);
    return indexed ? (JSON.parse(indexed) as SessionInfo) : (await this.getSession(tenant, id))?.info;
  }

  async listSessions(
    tenant: string,
    filter: { graphId?: string; state?: string; user?: string } = {},
  ): Promise<SessionInfo[]> {
    const all = (await this.redis.hvals(this.keys.sessionInfo(tenant))).map((s) => JSON.parse(s) as SessionInfo);
    return all
      .filter(
        (s) =>
          (filter.graphId === undefined || s.graphId === filter.graphId) &&
          (filter.state === undefined || s.state === filter.state) &&
          (filter.user === undefined || s.user === filter.user),
      )
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  putSession(write: SessionWrite): Promise<void> {
    return this.writes.run(() => this.write(write));
  }

  /** One script; a retry when the stored transcript is shorter than the write assumes. */
  private async write(write: SessionWrite): Promise<void> {
    const { info, transcript } = write;
    const { length, entries } = transcript;
    const offset = transcript.kind === 'from' ? transcript.offset : 0;
    const from = transcript.kind === 'from' ? transcript.from : undefined;
    if (from !== undefined && (from < offset || from > length))
      throw invalid(
        `session "${info.id}": a transcript from entry ${from} must lie between the write's first entry (${offset}) and its length (${length})`,
      );
    const head = encodeHead(this.keys, headOf(write));
    let reply = decodeReply(await this.redis.putSessionScript(...withEntries(head, entries, from, offset, length)));
    // The stored list is shorter than the writer believes: send what it lacks, if the writer has it.
    if (reply.outcome === 'short') {
      if (reply.length < offset)
        throw new AppError(
          'corrupt_record',
          500,
          `session "${info.id}": the stored transcript has ${reply.length} entries, this write starts at ${offset}`,
        );
      reply = decodeReply(
        await this.redis.putSessionScript(
          ...withEntries(head, entries, offset === 0 ? undefined : reply.length, offset, length),
        ),
      );
    }
    if (reply.outcome === 'written') return;
    if (reply.outcome === 'fenced') throw new StaleFenceError(info.id, write.fence!, reply.current);
    throw new AppError(
      'store_conflict',
      503,
      `session "${info.id}" changed in the store since the write this one builds on (or that write failed); the next write sends it whole`,
    );
  }

  deleteSession(tenant: string, id: string): Promise<void> {
    return this.writes.run(async () => void (await this.deleteSessions(tenant, [id])));
  }

  async getMemory(tenant: string, user: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.memory(tenant, user));
  }

  setMemory(tenant: string, user: string, key: string, value: string): Promise<void> {
    return this.writes.run(() => this.writeMemory(tenant, user, key, value));
  }

  private async writeMemory(tenant: string, user: string, key: string, value: string): Promise<void> {
    checkMemoryEntry(key, value);
    const stored = await this.redis.setMemoryScript(
      this.keys.memory(tenant, user),
      key,
      value,
      String(MAX_MEMORY_KEYS),
    );
    if (stored !== 1) throw memoryFull(user);
  }

  /** After the user's sessions were deleted (their keys went with them): the user's memory. */
  eraseUser(tenant: string, user: string): Promise<void> {
    return this.writes.run(async () => {
      await this.redis.del(this.keys.memory(tenant, user));
    });
  }

  prune(policy: { maxAgeMs?: number; maxSessionsPerTenant?: number }): Promise<number> {
    return this.writes.run(() => this.pruneSessions(policy));
  }

  private async pruneSessions(policy: { maxAgeMs?: number; maxSessionsPerTenant?: number }): Promise<number> {
    let pruned = 0;
    for (const tenant of await this.redis.smembers(this.keys.tenants)) {
      const active = this.keys.sessionActive(tenant);
      const doomed = new Set<string>();
      if (policy.maxAgeMs !== undefined) {
        for (const id of await this.redis.zrangebyscore(active, '-inf', `(${Date.now() - policy.maxAgeMs}`))
          doomed.add(id);
      }
      if (policy.maxSessionsPerTenant !== undefined) {
        const excess = (await this.redis.zcard(active)) - policy.maxSessionsPerTenant;
        if (excess > 0) for (const id of await this.redis.zrange(active, '0', String(excess - 1))) doomed.add(id);
      }
      pruned += await this.deleteSessions(tenant, [...doomed]);
    }
    return pruned;
  }

  async close(): Promise<void> {
    await this.writes.settled();
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Deletes in one round trip; returns how many sessions existed. */
  private async deleteSessions(tenant: string, ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const k = this.keys;
    const tx = this.redis.multi();
    for (const id of ids)
      tx.del(k.session(tenant, id))
        .hdel(k.sessionInfo(tenant), id)
        .zrem(k.sessionActive(tenant), id)
        .del(
          k.fence(id),
          k.transcript(tenant, id),
          k.sessionState(tenant, id),
          k.accepted(tenant, id),
          k.snapshotChanges(tenant, id),
        );
    const results = (await tx.exec()) ?? [];
    return results.filter((_, i) => i % 4 === 0).reduce((n, [, deleted]) => n + Number(deleted), 0);
  }
}

/** The stored snapshot with its changes applied, in order. */
function changed(id: string, snapshot: SessionRecord['snapshot'], changes: string[]): SessionRecord['snapshot'] {
  try {
    return changes.reduce(
      (value, change) => applyChange(value, JSON.parse(change) as SnapshotChange),
      snapshot as unknown,
    ) as SessionRecord['snapshot'];
  } catch (error) {
    throw new AppError(
      'corrupt_record',
      500,
      `session "${id}": its stored snapshot changes do not apply: ${(error as Error).message}`,
    );
  }
}
