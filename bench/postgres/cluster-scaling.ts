import { Redis } from 'ioredis';
import { flushPrefix } from '../../runner/cluster/test-support.ts';
import type { TestSchema } from '../../runner/store/postgres/test-support.ts';
import {
  measure,
  newPrefix,
  pinToCores,
  rate,
  spawnRunner,
  stop,
  waitForCalm,
  waitForMembers,
  type Runner,
} from '../cluster.ts';
import { databaseUrl } from './schemas.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * `cluster_scaling_2_vs_1` on Postgres + Redis: one runner process, then two pinned one to a core
 * (bench/cluster.ts explains why), each on a schema of its own and the shared Redis under a
 * prefix of its own. Returns the pair's turns per second over the single process's.
 */
export async function clusterScaling(
  schema: (name: string) => Promise<TestSchema>,
  log: (s: string) => void,
): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  await redis
    .connect()
    .catch((e: Error) => Promise.reject(new Error(`bench postgres needs Redis at ${REDIS_URL}: ${e.message}`)));
  const prefixes: string[] = [];
  const runners: Runner[] = [];
  const start = async (prefix: string, s: TestSchema) => {
    const r = await spawnRunner(['--redis', REDIS_URL], prefix, { DATABASE_URL: databaseUrl(s, 'sb-bench-cluster') });
    runners.push(r);
    return r;
  };
  try {
    const single = await start(newPrefix(prefixes), await schema('cluster_1'));
    const c1 = await measure([single], undefined);
    await stop(single);
    log(`postgres + redis, 1 process: ${rate(c1)} turns/s`);

    const prefix = newPrefix(prefixes);
    const s2 = await schema('cluster_2');
    const pair = [await start(prefix, s2), await start(prefix, s2)];
    const pinned = pinToCores(pair);
    await waitForMembers(pair[0]!, 2);
    await waitForCalm(pair[0]!, log);
    const c2 = await measure(pair, undefined);
    log(`postgres + redis, 2 processes (${pinned}): ${rate(c2)} turns/s`);
    return c2.turns / c2.seconds / (c1.turns / c1.seconds);
  } finally {
    for (const r of runners) await stop(r);
    for (const p of prefixes) await flushPrefix(redis, p);
    redis.disconnect();
  }
}
