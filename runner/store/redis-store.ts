import { Redis } from 'ioredis';
import { AppError, invalid } from '../errors.ts';
import type { SessionInfo } from '../../schemas/protocol.ts';
import { StaleFenceError } from './lowdb-store.ts';
import { DEFAULT_REDIS_PREFIX, redisKeys, type RedisKeys } from './redis-keys.ts';
import { segment } from './store-paths.ts';
import type { SessionRecord, Store, StoredGraph } from './types.ts';

// The same limits as the embedded store, so moving to Redis changes no behaviour.
const MAX_MEMORY_KEYS = 1000;
const MAX_MEMORY_KEY = 200;
const MAX_MEMORY_VALUE = 10_000;

// One round trip per write, and the fence check cannot race the write it guards. The transcript
// is a list beside the record: a write says from which index its entries are new (ARGV[7]) and
// appends only those; '' rewrites the list. Returns {2, length} when the list is shorter than the
// writer believes (a record stored whole by an older version), and the writer sends it all.
const PUT_SESSION = `
local fence = ARGV[1]
if fence ~= '' then
  local current = tonumber(redis.call('GET', KEYS[4]) or '0')
  if tonumber(fence) < current then return {0, current} end
end
local from = tonumber(ARGV[7])
if from ~= nil then
  local length = redis.call('LLEN', KEYS[6])
  if length < from then return {2, length} end
  if from == 0 then redis.call('DEL', KEYS[6]) elseif length > from then redis.call('LTRIM', KEYS[6], 0, from - 1) end
else
  redis.call('DEL', KEYS[6])
end
for i = 8, #ARGV, 1000 do redis.call('RPUSH', KEYS[6], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
if fence ~= '' and tonumber(fence) > tonumber(redis.call('GET', KEYS[4]) or '0') then redis.call('SET', KEYS[4], fence) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3])
redis.call('SADD', KEYS[5], ARGV[6])
return {1, 0}`;

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
  putSessionScript(k1: string, k2: string, k3: string, k4: string, k5: string, k6: string, ...argv: string[]): Promise<[number, number]>;
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

  constructor(options: RedisStoreOptions) {
    this.ownsClient = typeof options.redis === 'string';
    const client = typeof options.redis === 'string' ? new Redis(options.redis, { maxRetriesPerRequest: 3 }) : options.redis;
    client.defineCommand('putSessionScript', { numberOfKeys: 6, lua: PUT_SESSION });
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

  async putGraph(record: StoredGraph): Promise<void> {
    if (!Number.isInteger(record.version) || record.version < 1) throw invalid(`graph version ${JSON.stringify(record.version)} must be a positive integer`, { field: 'version' });
    const k = this.keys;
    await this.redis.putGraphScript(
      k.graphVersions(record.tenant, record.id), k.graphLatest(record.tenant), k.tenants,
      String(record.version), record.id, JSON.stringify(record), record.tenant,
    );
  }

  async deleteGraph(tenant: string, id: string): Promise<void> {
    await this.redis.multi().del(this.keys.graphVersions(tenant, id)).hdel(this.keys.graphLatest(tenant), id).exec();
  }

  async getSession(tenant: string, id: string): Promise<SessionRecord | undefined> {
    const [[, raw], [, entries]] = (await this.redis.multi().get(this.keys.session(tenant, id)).lrange(this.keys.transcript(tenant, id), 0, -1).exec()) as [[unknown, string | null], [unknown, string[]]];
    if (!raw) return undefined;
    const record = JSON.parse(raw) as SessionRecord;
    // A record stored whole by an older version still carries its transcript.
    if (record.transcript === undefined) record.transcript = entries.map((e) => JSON.parse(e) as SessionRecord['transcript'][number]);
    return record;
  }

  /** Whether the tenant has this session, without reading its record. */
  async hasSession(tenant: string, id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.session(tenant, id))) === 1;
  }

  async listSessions(tenant: string, filter: { graphId?: string; state?: string; user?: string } = {}): Promise<SessionInfo[]> {
    const all = (await this.redis.hvals(this.keys.sessionInfo(tenant))).map((s) => JSON.parse(s) as SessionInfo);
    return all
      .filter((s) => (filter.graphId === undefined || s.graphId === filter.graphId) && (filter.state === undefined || s.state === filter.state) && (filter.user === undefined || s.user === filter.user))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async putSession(record: SessionRecord, options: { fence?: number; transcriptFrom?: number; transcriptOffset?: number } = {}): Promise<void> {
    const { info } = record;
    const k = this.keys;
    const { transcript, ...rest } = record;
    const offset = options.transcriptOffset ?? 0;
    const length = offset + transcript.length; // the caller may append while the first try is in flight
    const write = (from: number | undefined) =>
      this.redis.putSessionScript(
        k.session(info.tenant, info.id), k.sessionInfo(info.tenant), k.sessionActive(info.tenant), k.fence(info.id), k.tenants, k.transcript(info.tenant, info.id),
        options.fence === undefined ? '' : String(options.fence), JSON.stringify(rest), info.id, JSON.stringify(info), String(info.lastActiveAt), info.tenant,
        from === undefined ? '' : String(from), ...transcript.slice((from ?? 0) - offset, length - offset).map((m) => JSON.stringify(m)),
      );
    const from = options.transcriptFrom !== undefined && options.transcriptFrom >= offset && options.transcriptFrom <= length ? options.transcriptFrom : undefined;
    if (from === undefined && offset > 0) throw invalid(`session "${info.id}": a transcript from entry ${offset} on can only add to what is stored`);
    let [ok, current] = await write(from);
    // The stored list is shorter than the writer believes: send what it lacks, if the writer has it.
    if (ok === 2) {
      if (current < offset) throw new AppError('corrupt_record', 500, `session "${info.id}": the stored transcript has ${current} entries, this write starts at ${offset}`);
      [ok, current] = await write(offset === 0 ? undefined : current);
    }
    if (ok !== 1) throw new StaleFenceError(info.id, options.fence!, current);
  }

  async deleteSession(tenant: string, id: string): Promise<void> {
    await this.deleteSessions(tenant, [id]);
  }

  async getMemory(tenant: string, user: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.memory(tenant, user));
  }

  async setMemory(tenant: string, user: string, key: string, value: string): Promise<void> {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_MEMORY_KEY) throw invalid(`memory key must be 1-${MAX_MEMORY_KEY} characters`, { field: 'key' });
    if (typeof value !== 'string' || value.length > MAX_MEMORY_VALUE) throw invalid(`memory value must be at most ${MAX_MEMORY_VALUE} characters`, { field: 'value' });
    const stored = await this.redis.setMemoryScript(this.keys.memory(tenant, user), key, value, String(MAX_MEMORY_KEYS));
    if (stored !== 1) throw invalid(`the memory of user "${user}" is full: at most ${MAX_MEMORY_KEYS} keys`, { limit: MAX_MEMORY_KEYS });
  }

  async prune(policy: { maxAgeMs?: number; maxSessionsPerTenant?: number }): Promise<number> {
    let pruned = 0;
    for (const tenant of await this.redis.smembers(this.keys.tenants)) {
      const active = this.keys.sessionActive(tenant);
      const doomed = new Set<string>();
      if (policy.maxAgeMs !== undefined) {
        for (const id of await this.redis.zrangebyscore(active, '-inf', `(${Date.now() - policy.maxAgeMs}`)) doomed.add(id);
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
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Deletes in one round trip; returns how many sessions existed. */
  private async deleteSessions(tenant: string, ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const k = this.keys;
    const tx = this.redis.multi();
    for (const id of ids) tx.del(k.session(tenant, id)).hdel(k.sessionInfo(tenant), id).zrem(k.sessionActive(tenant), id).del(k.fence(id)).del(k.transcript(tenant, id));
    const results = (await tx.exec()) ?? [];
    return results.filter((_, i) => i % 5 === 0).reduce((n, [, deleted]) => n + Number(deleted), 0);
  }
}
