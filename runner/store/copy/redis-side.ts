import type { Redis } from 'ioredis';
import { RedisStore } from '../redis-store.ts';
import type { CopySource, CopyTarget } from './copy-store.ts';

/** The Redis store under `prefix`, as a copy reads or writes it. The caller keeps the client. */
export function redisSide(redis: Redis, prefix: string): CopySource & CopyTarget {
  const store = new RedisStore({ redis, prefix });
  const keys = store.keys;
  return {
    store,
    tenants: async () => (await redis.smembers(keys.tenants)).sort(),
    async fence(_tenant, sessionId) {
      const fence = await redis.get(keys.fence(sessionId));
      return fence === null ? undefined : Number(fence);
    },
    async memories(tenant) {
      const out = new Map<string, Record<string, string>>();
      const start = keys.memoryOfFile(tenant, '');
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${start}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of found) {
          const memory = await redis.hgetall(key);
          if (Object.keys(memory).length) out.set(key.slice(start.length), memory);
        }
      } while (cursor !== '0');
      return out;
    },
    async putMemory(tenant, userKey, memory) {
      await redis.multi().hset(keys.memoryOfFile(tenant, userKey), memory).sadd(keys.tenants, tenant).exec();
    },
  };
}
