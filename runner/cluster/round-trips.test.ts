import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoundTrips } from './round-trips.ts';
import { connectTestRedis, flushPrefix, testPrefix } from './test-redis.ts';

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
  it('counts a command, a MULTI and a pipeline as one each, on duplicates too', async () => {
    const trips = new RoundTrips();
    trips.watch(redis);
    await redis.set(`${prefix}a`, '1');
    expect(trips.total).toBe(1);
    await redis.multi().set(`${prefix}b`, '1').get(`${prefix}b`).del(`${prefix}b`).exec();
    expect(trips.total).toBe(2);
    await redis.pipeline().get(`${prefix}a`).get(`${prefix}a`).exec();
    expect(trips.total).toBe(3);
    const copy = redis.duplicate();
    await copy.get(`${prefix}a`);
    expect(trips.total).toBeGreaterThanOrEqual(4); // plus whatever the new connection says on connect
    copy.disconnect();
  });
});
