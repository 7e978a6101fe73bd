import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../store/redis-keys.ts';
import { RedisStore } from '../store/redis-store.ts';
import { Leases } from './lease.ts';
import { connectTestRedis, flushPrefix, testPrefix } from './test-support.ts';
import { recordWrite } from '../store/session-write.ts';

let redis: Redis;
let prefix: string;
beforeAll(async () => {
  redis = await connectTestRedis();
  prefix = testPrefix('lease');
});
afterAll(async () => {
  await flushPrefix(redis, prefix);
  redis.disconnect();
});

const leases = (owner: string, ttlMs = 2000, onLost?: (id: string) => void) =>
  new Leases({ redis, keys: redisKeys(prefix), owner, ttlMs, onLost: onLost && ((s) => onLost(s.sessionId)) });
const waitFor = async (check: () => boolean | Promise<boolean>, ms = 3000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('Leases', () => {
  it('gives a session one owner at a time and a higher token to each new owner', async () => {
    const id = randomUUID();
    const a = leases('a');
    const b = leases('b');
    const first = await a.acquire({ tenant: 't', sessionId: id });
    expect(first).toMatchObject({ acquired: true });
    expect(await b.acquire({ tenant: 't', sessionId: id })).toEqual({ acquired: false, owner: 'a' });
    expect(await a.acquire({ tenant: 't', sessionId: id })).toEqual(first); // re-acquiring keeps the token
    await a.release(id);
    const second = await b.acquire({ tenant: 't', sessionId: id });
    expect(second.acquired && first.acquired && second.token > first.token).toBe(true);
    expect(await b.ownerOf(id)).toBe('b');
    expect(await redis.smembers(redisKeys(prefix).owned('b'))).toEqual([`t/${id}`]);
  });

  it('places a session on another process, which adopts it with the same token', async () => {
    const id = randomUUID();
    const placed = await leases('creator').acquire({ tenant: 't', sessionId: id }, 'target');
    expect(await leases('x').ownerOf(id)).toBe('target');
    const target = leases('target');
    expect(await target.acquire({ tenant: 't', sessionId: id })).toEqual(placed);
    expect(target.token(id)).toBe(placed.acquired && placed.token);
  });

  it('lets only one of many racing processes win', async () => {
    const id = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => leases(`p${i}`).acquire({ tenant: 't', sessionId: id })),
    );
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });

  it('expires without renewal, keeps with renewal, and reports a lost lease', async () => {
    const kept = randomUUID();
    const dropped = randomUUID();
    const lost: string[] = [];
    const a = leases('a', 300, (id) => lost.push(id));
    await a.acquire({ tenant: 't', sessionId: kept });
    await a.acquire({ tenant: 't', sessionId: dropped });
    a.start();
    await redis.del(redisKeys(prefix).lease(dropped)); // as if it expired while the process was stopped
    await leases('b').acquire({ tenant: 't', sessionId: dropped });
    await waitFor(() => lost.includes(dropped));
    await new Promise((r) => setTimeout(r, 600)); // two TTLs: only renewal can keep it
    expect(await leases('c').ownerOf(kept)).toBe('a');
    expect(a.sessions()).toEqual([{ tenant: 't', sessionId: kept }]);
    expect(a.token(kept)).toBeGreaterThan(0);
    await a.stop({ release: true });
    expect(await leases('c').ownerOf(kept)).toBeUndefined();
  });

  it('stops handing out a token once the lease may have expired, before any renewal notices', async () => {
    const id = randomUUID();
    const paused = leases('paused', 100);
    await paused.acquire({ tenant: 't', sessionId: id });
    expect(paused.token(id)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 150)); // as if SIGSTOPped: no renewal ran
    expect(paused.token(id)).toBeUndefined();
  });

  it("makes the old owner's store writes stale the moment a new owner acquires", async () => {
    const store = new RedisStore({ redis, prefix });
    const id = randomUUID();
    const old = leases('old', 100);
    const taken = await old.acquire({ tenant: 't', sessionId: id });
    const record = {
      info: {
        id,
        tenant: 't',
        graphId: 'g',
        graphVersion: 1,
        state: 'idle' as const,
        createdAt: 1,
        lastActiveAt: 1,
        turns: 1,
        usage: { promptTokens: 0, completionTokens: 0, cost: 0, estimated: false },
      },
      transcript: [],
      acceptedMessageIds: [],
    };
    await store.putSession(recordWrite(record, { fence: old.token(id) }));
    await waitFor(async () => (await old.ownerOf(id)) === undefined);
    const fresh = leases('new');
    await fresh.acquire({ tenant: 't', sessionId: id });
    await expect(
      store.putSession(
        recordWrite({ ...record, info: { ...record.info, turns: 99 } }, { fence: taken.acquired ? taken.token : 0 }),
      ),
    ).rejects.toMatchObject({ code: 'stale_fence' });
    await store.putSession(recordWrite({ ...record, info: { ...record.info, turns: 2 } }, { fence: fresh.token(id) }));
    expect((await store.getSession('t', id))?.info.turns).toBe(2);
  });
});
