import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoundTrips } from './round-trips.ts';
import { connectTestRedis, flushPrefix, testPrefix } from './test-support.ts';

let redis: Redis;
const prefix = testPrefix('round-trips');
beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(async () => {
  await flushPrefix(redis, prefix);
  redis.disconnect();
});

describe('RoundTrips', () => {
  it('counts a command and a MULTI as one each, every auto-pipelined command, and duplicates too', async () => {
    const trips = new RoundTrips();
    trips.watch(redis);
    await redis.set(`${prefix}a`, '1');
    expect(trips.total).toBe(1);
    await redis.multi().set(`${prefix}b`, '1').get(`${prefix}b`).del(`${prefix}b`).exec();
    expect(trips.total).toBe(2);
    await redis.eval("redis.call('GET', KEYS[1]); return redis.call('GET', KEYS[1])", 1, `${prefix}a`);
    expect(trips.total).toBe(3);
    const copy = redis.duplicate({ enableAutoPipelining: true });
    await copy.ping();
    const connected = trips.total;
    await Promise.all([copy.get(`${prefix}a`), copy.get(`${prefix}a`), copy.get(`${prefix}a`)]);
    expect(trips.total - connected).toBe(3);
    copy.disconnect();
  });
});
