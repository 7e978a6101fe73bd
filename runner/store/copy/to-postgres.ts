import { stat } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { AppError, invalid } from '../../errors.ts';
import { PostgresStore, redact } from '../postgres/postgres-store.ts';
import { copyStore, type CopyCounts, type CopySource } from './copy-store.ts';
import { lowdbSource } from './lowdb-side.ts';
import { postgresSide } from './postgres-side.ts';
import { redisSide } from './redis-side.ts';

export interface ToPostgresOptions {
  /** An embedded data folder, or a redis:// URL. */
  from: string;
  /** postgres://… (add ?search_path=schema for a schema other than the default). */
  to: string;
  /** The key prefix of a Redis source. */
  prefix: string;
  log?: (line: string) => void;
}

/** `switchboard migrate`: everything in a data folder or a Redis deployment, into PostgreSQL (see copyStore). */
export async function migrateToPostgres({ from, to, prefix, log }: ToPostgresOptions): Promise<CopyCounts> {
  if (!/^postgres(ql)?:\/\//.test(to))
    throw invalid(`--to must be a postgres:// URL, got ${JSON.stringify(to)}`, { field: 'to' });
  const source = await openSource(from, prefix);
  try {
    const target = await PostgresStore.open({ url: to });
    try {
      return await copyStore(source.side, postgresSide(target), log);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

async function openSource(from: string, prefix: string): Promise<{ side: CopySource; close(): Promise<void> }> {
  if (/^rediss?:\/\//.test(from)) {
    const redis = new Redis(from, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      connectTimeout: 5000,
    });
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new AppError(
        'store_unavailable',
        503,
        `Redis at ${redact(from)} cannot be reached: ${(error as Error).message}`,
      );
    }
    return { side: redisSide(redis, prefix), close: async () => void (await redis.quit()) };
  }
  const isDir = await stat(from).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir)
    throw invalid(`--from must be a data folder or a redis:// URL; ${JSON.stringify(from)} is neither`, {
      field: 'from',
    });
  const side = lowdbSource(from);
  return { side, close: () => side.store.close() };
}
