import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionRecord } from '../store/contract/records.ts';
import { StaleFenceError } from '../store/errors.ts';
import { recordWrite } from '../store/session-write.ts';
import type { PostgresStore } from '../store/postgres/postgres-store.ts';
import { createTestSchema, type TestSchema } from '../store/postgres/test-support.ts';
import { redisKeys } from '../store/redis-keys.ts';
import { Leases } from './lease.ts';
import { postgresDurable } from './postgres-durable.ts';
import { connectTestRedis, flushPrefix, testPrefix } from './test-support.ts';

let redis: Redis;
let db: TestSchema;
let store: PostgresStore;
const prefix = testPrefix('pg-fences');

beforeAll(async () => {
  redis = await connectTestRedis();
  db = await createTestSchema('pg_fences');
  store = await db.open();
});
afterAll(async () => {
  await store.close();
  await db.drop();
  await flushPrefix(redis, prefix);
  redis.disconnect();
});

const leases = (owner: string) =>
  new Leases({ redis, keys: redisKeys(prefix), owner, ttlMs: 2000, issueFence: postgresDurable(store).issueFence });

describe('leases with fencing tokens from Postgres', () => {
  it('issues a token above every fence stored after Redis lost its keys, and the store refuses the old owner', async () => {
    const record = sessionRecord('t-fence');
    await store.putSession(recordWrite(record, { fence: 0 }));
    const session = { tenant: 't-fence', sessionId: record.info.id };
    const old = await leases('old').acquire(session);
    expect(old.acquired).toBe(true);
    const oldToken = old.acquired ? old.token : 0;
    await store.putSession(recordWrite(record, { fence: oldToken }));

    await flushPrefix(redis, prefix); // Redis flushed: leases and counters gone
    const fresh = await leases('fresh').acquire(session);
    expect(fresh.acquired && fresh.token > oldToken).toBe(true);
    expect(await store.fenceOf(session.sessionId)).toBe(fresh.acquired ? fresh.token : NaN);
    // Refused as soon as the new token is issued, before the new owner wrote anything.
    await expect(store.putSession(recordWrite(record, { fence: oldToken }))).rejects.toBeInstanceOf(StaleFenceError);
    await store.putSession(recordWrite(record, { fence: fresh.acquired ? fresh.token : 0 }));
  });

  it('leaves ten processes racing for a free lease with one holder, whose token is the stored fence', async () => {
    const record = sessionRecord('t-race');
    await store.putSession(recordWrite(record, { fence: 0 }));
    const session = { tenant: 't-race', sessionId: record.info.id };
    const all = Array.from({ length: 10 }, (_, i) => leases(`p${i}`));
    const results = await Promise.all(all.map((l) => l.acquire(session)));
    const holder = await all[0]!.ownerOf(session.sessionId);
    const held = all.find((_, i) => `p${i}` === holder)!;
    const token = held.token(session.sessionId)!;
    expect(results.some((r) => r.acquired)).toBe(true);
    expect(token).toBe(await store.fenceOf(session.sessionId));
    // A process that lost the race took no lease it could write with.
    for (const [i, l] of all.entries()) if (`p${i}` !== holder) await l.renewAll();
    expect(all.filter((l) => l.token(session.sessionId) !== undefined)).toEqual([held]);
    await store.putSession(recordWrite(record, { fence: token }));
  });

  it('holds a lease under the stored fence after one process acquired it twice at once', async () => {
    const record = sessionRecord('t-twice');
    await store.putSession(recordWrite(record, { fence: 0 }));
    const session = { tenant: 't-twice', sessionId: record.info.id };
    const one = leases('one');
    const results = await Promise.all([one.acquire(session), one.acquire(session), one.acquire(session)]);
    expect(results.every((r) => r.acquired)).toBe(true);
    const fence = await store.fenceOf(session.sessionId);
    expect(one.token(session.sessionId)).toBe(fence);
    expect(await one.renewAll()).toEqual([]);
    await store.putSession(recordWrite(record, { fence }));
  });
});
