import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, createLogger } from '../../runner/app.ts';
import { parseConfig } from '../../runner/config.ts';
import { PostgresStore } from '../../runner/store/postgres/postgres-store.ts';
import { createTestSchema, type TestSchema } from '../../runner/store/postgres/test-support.ts';
import { persistCostOn } from '../runner/persist-cost.ts';
import { clusterScaling } from './cluster-scaling.ts';
import { turnCost } from './turn-cost.ts';

/**
 * Group `postgres`: the durable store's price. Each figure runs on schemas of its own in the local
 * PostgreSQL (TEST_DATABASE_URL, database `test`), dropped at the end.
 * - pg_persist_cost_ratio_10k_vs_100: a persisted turn with 10,000 stored sessions against 100,
 *   as `persist_cost_ratio_10k_vs_100` measures the embedded store (target ≤ 1.5);
 * - pg_turn_cost_ratio_vs_lowdb: a served turn on PostgreSQL against the embedded store in the same
 *   run, the larger of the CPU ratio (the runner plus its Postgres backends) and the wall ratio
 *   (target ≤ 1.5; both are reported);
 * - cluster_pg_scaling_2_vs_1: turns per second of two Postgres + Redis runners, one per core,
 *   against one, as `cluster_scaling_2_vs_1` (target ≥ 1.2).
 */
export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  const schemas: TestSchema[] = [];
  const schema = async (name: string) => {
    const s = await createTestSchema(`bench_${name}`);
    schemas.push(s);
    return s;
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'sb-bench-pg-'));
    const persist = await persistCostOn(async (name) => {
      const config = parseConfig({ dataDir: join(dir, name), logLevel: 'error' });
      const { url, schema: on } = await schema(`persist_${name}`);
      return createCore(config, createLogger(config), undefined, await PostgresStore.open({ url, schema: on }));
    }, log).finally(() => rmSync(dir, { recursive: true, force: true }));
    const turn = await turnCost(schema, log);
    const scaling = await clusterScaling(schema, log);
    return {
      pg_persist_cost_ratio_10k_vs_100: persist,
      pg_turn_cost_ratio_vs_lowdb: Math.max(turn.cpuRatio, turn.wallRatio),
      pg_turn_cpu_ratio_vs_lowdb: turn.cpuRatio,
      pg_turn_wall_ratio_vs_lowdb: turn.wallRatio,
      cluster_pg_scaling_2_vs_1: scaling,
    };
  } finally {
    for (const s of schemas) await s.drop();
  }
}
