import type { Redis } from 'ioredis';
import { copyStore, type CopyCounts } from '../store/copy/copy-store.ts';
import { lowdbSource } from '../store/copy/lowdb-side.ts';
import { redisSide } from '../store/copy/redis-side.ts';

/**
 * Copies an embedded (lowdb) data folder into Redis: every graph version, every session record
 * with its fence, every user memory, then checks Redis holds them all (see copyStore).
 * Idempotent: running it again overwrites with the same data.
 */
export async function migrateLowdbToRedis(
  dataDir: string,
  redis: Redis,
  prefix: string,
  log: (line: string) => void = () => undefined,
): Promise<CopyCounts> {
  const source = lowdbSource(dataDir);
  try {
    return await copyStore(source, redisSide(redis, prefix), log);
  } finally {
    await source.store.close();
  }
}
