import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Test helper: the real Redis at REDIS_URL (default the local one). Connecting fails loudly
 * instead of retrying forever, so a suite fails, never skips or hangs, when Redis is down.
 */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function connectTestRedis(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 3000,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis at ${TEST_REDIS_URL} is unreachable (set REDIS_URL or start redis-server): ${(error as Error).message}`,
    );
  }
  return redis;
}

/** A key prefix of its own per test run, so parallel runs never see each other's keys. */
export const testPrefix = (suite: string) => `sbtest:${suite}:${randomUUID().slice(0, 8)}:`;

/** Deletes only this run's keys. */
export async function flushPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}
