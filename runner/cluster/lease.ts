import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/redis-keys.ts';

/**
 * One owner per session: a lease key "<owner> <token>" with a PX expiry. Acquiring INCRs the
 * session's fence key, the same key RedisStore checks on every putSession, so the moment a new
 * owner holds the lease every write of the previous owner is already stale.
 */
const ACQUIRE = `
local held = redis.call('GET', KEYS[1])
if held then
  local owner, token = string.match(held, '^(%S+) (%d+)$')
  if owner ~= ARGV[1] then return {0, owner} end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, token}
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. token, 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return {1, tostring(token)}`;

/**
 * The same with the token issued by the durable store (see `issueFence`), which stores it as the
 * session's fence at once. A free lease answers {2} when ARGV[4] is empty, so the caller asks for
 * a token only when it will use one. With a token, a lease taken meanwhile under a lower token
 * (by another process, or by a concurrent acquire of this one) is taken over: the store already
 * refuses writes under that token, so the lease must follow the highest fence.
 */
const ACQUIRE_ISSUED = `
local held = redis.call('GET', KEYS[1])
if held then
  local owner, token = string.match(held, '^(%S+) (%d+)$')
  if ARGV[4] == '' or tonumber(token) >= tonumber(ARGV[4]) then
    if owner ~= ARGV[1] then return {0, owner} end
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, token}
  end
end
if ARGV[4] == '' then return {2, ''} end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[4], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return {1, ARGV[4]}`;

// KEYS: lease keys; ARGV[1] ttl, ARGV[2..] expected values. Returns 1/0 per key.
const RENEW = `
local kept = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i + 1] then
    redis.call('PEXPIRE', key, ARGV[1]); kept[i] = 1
  else kept[i] = 0 end
end
return kept`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('SREM', KEYS[2], ARGV[2])
return 1`;

type Scripted = Redis & {
  leaseAcquire(
    lease: string,
    fence: string,
    owned: string,
    owner: string,
    ttl: string,
    member: string,
  ): Promise<[number, string]>;
  leaseAcquireIssued(
    lease: string,
    owned: string,
    owner: string,
    ttl: string,
    member: string,
    token: string,
  ): Promise<[number, string]>;
  leaseRenew(...args: string[]): Promise<number[]>;
  leaseRelease(lease: string, owned: string, value: string, member: string): Promise<number>;
};

export interface LeaseOptions {
  redis: Redis;
  keys: RedisKeys;
  /** This process's id: the lease value names it. */
  owner: string;
  /** How long a lease outlives its owner's last renewal: bounds failover time. */
  ttlMs?: number;
  /** Called when a renewal finds the lease gone or taken: stop working on that session. */
  onLost?: (session: OwnedSession) => void;
  /**
   * Issues a new owner's fencing token from the durable store (Postgres) instead of Redis's
   * counter: tokens then keep growing across a Redis flush or restart, so the store still refuses
   * every write of an owner from before it. Unset: Redis counts (its data goes with its counters).
   */
  issueFence?: (sessionId: string) => Promise<number>;
}

/** A session as the owned sets hold it: the tenant is needed to load it after a takeover. */
export interface OwnedSession {
  tenant: string;
  sessionId: string;
}
export const ownedMember = (s: OwnedSession) => `${s.tenant}/${s.sessionId}`;
export function parseOwnedMember(member: string): OwnedSession {
  const slash = member.indexOf('/');
  return { tenant: member.slice(0, slash), sessionId: member.slice(slash + 1) };
}

export type AcquireResult = { acquired: true; token: number } | { acquired: false; owner: string };

export const DEFAULT_LEASE_TTL_MS = 2000;

/** The leases this process holds, renewed together in one round trip per interval. */
export class Leases {
  readonly ttlMs: number;
  private readonly redis: Scripted;
  /** `validUntil` is counted from when the request was sent, so it never outlives the Redis key. */
  private readonly held = new Map<string, { token: number; tenant: string; validUntil: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LeaseOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    options.redis.defineCommand('leaseAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    options.redis.defineCommand('leaseAcquireIssued', { numberOfKeys: 2, lua: ACQUIRE_ISSUED });
    options.redis.defineCommand('leaseRenew', { lua: RENEW });
    options.redis.defineCommand('leaseRelease', { numberOfKeys: 2, lua: RELEASE });
    this.redis = options.redis as Scripted;
  }

  /**
   * The fencing token of a lease this process holds, to pass to every state write; undefined once
   * the lease may have expired (a process that was paused past its TTL must not act as owner).
   */
  token(sessionId: string): number | undefined {
    const held = this.held.get(sessionId);
    return held && Date.now() < held.validUntil ? held.token : undefined;
  }

  sessions(): OwnedSession[] {
    return [...this.held].map(([sessionId, { tenant }]) => ({ tenant, sessionId }));
  }

  /**
   * Takes the lease when it is free (or already ours). `owner` lets a process place a session on
   * another one: the lease names that process, which adopts it with a second acquire.
   */
  async acquire(session: OwnedSession, owner = this.options.owner): Promise<AcquireResult> {
    const { keys } = this.options;
    let sentAt = Date.now();
    let [ok, value] = this.options.issueFence
      ? await this.redis.leaseAcquireIssued(
          keys.lease(session.sessionId),
          keys.owned(owner),
          owner,
          String(this.ttlMs),
          ownedMember(session),
          '',
        )
      : await this.redis.leaseAcquire(
          keys.lease(session.sessionId),
          keys.fence(session.sessionId),
          keys.owned(owner),
          owner,
          String(this.ttlMs),
          ownedMember(session),
        );
    if (ok === 2) {
      const issued = String(await this.options.issueFence!(session.sessionId));
      sentAt = Date.now();
      [ok, value] = await this.redis.leaseAcquireIssued(
        keys.lease(session.sessionId),
        keys.owned(owner),
        owner,
        String(this.ttlMs),
        ownedMember(session),
        issued,
      );
    }
    if (ok !== 1) return { acquired: false, owner: value };
    const token = Number(value);
    // Two acquires of one session at once may answer two tokens: the higher one holds the lease.
    const known = this.held.get(session.sessionId);
    if (owner === this.options.owner && !(known && known.token > token))
      this.held.set(session.sessionId, { token, tenant: session.tenant, validUntil: sentAt + this.ttlMs });
    return { acquired: true, token: Math.max(token, known?.token ?? 0) };
  }

  /** Who holds a session's lease now, if anyone. */
  async ownerOf(sessionId: string): Promise<string | undefined> {
    const held = await this.redis.get(this.options.keys.lease(sessionId));
    return held?.split(' ')[0];
  }

  async release(sessionId: string): Promise<void> {
    const held = this.held.get(sessionId);
    if (!held) return;
    this.held.delete(sessionId);
    const { keys, owner } = this.options;
    await this.redis.leaseRelease(
      keys.lease(sessionId),
      keys.owned(owner),
      `${owner} ${held.token}`,
      ownedMember({ tenant: held.tenant, sessionId }),
    );
  }

  /** Renews every held lease; the ones found lost are dropped and reported. */
  async renewAll(): Promise<string[]> {
    const ids = [...this.held.keys()];
    if (!ids.length) return [];
    const { keys, owner } = this.options;
    const expected = ids.map((id) => this.held.get(id)!);
    const sentAt = Date.now();
    const kept = await this.redis.leaseRenew(
      String(ids.length),
      ...ids.map(keys.lease),
      String(this.ttlMs),
      ...expected.map((h) => `${owner} ${h.token}`),
    );
    // Only drop what is still the lease we asked about (it may have been released meanwhile).
    const lost = ids.filter((id, i) => kept[i] !== 1 && this.held.get(id) === expected[i]);
    ids.forEach((id, i) => {
      if (kept[i] === 1) expected[i].validUntil = sentAt + this.ttlMs;
    });
    for (const id of lost) this.held.delete(id);
    if (lost.length)
      await this.redis.srem(
        keys.owned(owner),
        ...lost.map((id) => ownedMember({ tenant: expected[ids.indexOf(id)].tenant, sessionId: id })),
      );
    for (const id of lost) this.options.onLost?.({ tenant: expected[ids.indexOf(id)].tenant, sessionId: id });
    return lost;
  }

  /** Renews at a third of the TTL, so two missed renewals still keep the lease. */
  start(): void {
    this.timer ??= setInterval(
      () => void this.renewAll().catch(() => undefined),
      Math.max(50, Math.floor(this.ttlMs / 3)),
    );
    this.timer.unref();
  }

  async stop(options: { release: boolean }): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (options.release) await Promise.all(this.sessions().map((s) => this.release(s.sessionId)));
  }
}
