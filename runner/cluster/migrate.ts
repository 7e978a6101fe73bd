import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { readJson } from '../store/json-file.ts';
import { LowdbStore } from '../store/lowdb-store.ts';
import { redisKeys } from '../store/redis-keys.ts';
import { RedisStore } from '../store/redis-store.ts';
import { StorePaths } from '../store/store-paths.ts';
import { recordWrite } from '../store/session-write.ts';

export interface MigrationCounts {
  tenants: number;
  graphVersions: number;
  sessions: number;
  memories: number;
}

/**
 * Copies an embedded (lowdb) data folder into Redis: every graph version, every session record
 * with its fence, every user memory. Idempotent: running it again overwrites with the same data.
 * Memory files are copied by file name, because a user with an unusual name is stored under a
 * hash of it and cannot be recovered; the Redis store names that user's key the same way.
 */
export async function migrateLowdbToRedis(dataDir: string, redis: Redis, prefix: string, log: (line: string) => void = () => undefined): Promise<MigrationCounts> {
  const source = new LowdbStore(dataDir);
  const target = new RedisStore({ redis, prefix });
  const keys = redisKeys(prefix);
  const paths = new StorePaths(dataDir);
  const counts: MigrationCounts = { tenants: 0, graphVersions: 0, sessions: 0, memories: 0 };

  for (const tenant of (await names(paths.tenantsDir())).filter(isSegment)) {
    counts.tenants += 1;
    for (const id of (await names(paths.graphsDir(tenant))).filter(isSegment)) {
      for (const version of await source.listGraphVersions(tenant, id)) {
        const graph = await source.getGraph(tenant, id, version);
        if (graph) await target.putGraph(graph);
        counts.graphVersions += 1;
      }
    }
    for (const info of await source.listSessions(tenant)) {
      const record = await source.getSession(tenant, info.id);
      if (!record) continue;
      const fenceFile = paths.sessionFile(tenant, info.id).replace(/\.json$/, '.fence.json');
      const fence = await readJson<number>(fenceFile, `the fence of session "${info.id}"`);
      await target.putSession(recordWrite(record, fence === undefined ? {} : { fence }));
      counts.sessions += 1;
    }
    const memoryDir = join(paths.tenantDir(tenant), 'memory');
    for (const file of (await names(memoryDir)).filter((f) => /^[uh]-.+\.json$/.test(f))) {
      const memory = await readJson<Record<string, string>>(join(memoryDir, file), `memory file "${file}"`);
      if (memory && Object.keys(memory).length) await redis.hset(keys.memoryOfFile(tenant, file.replace(/\.json$/, '')), memory);
      counts.memories += 1;
    }
    log(`tenant ${tenant}: done`);
  }
  await source.close();
  return counts;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

const isSegment = (name: string) => /^[A-Za-z0-9_-]{1,64}$/.test(name);
