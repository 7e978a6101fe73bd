import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LowdbStore } from '../store/lowdb-store.ts';
import { RedisStore } from '../store/redis-store.ts';
import { graphRecord, sessionRecord } from '../store/contract/records.ts';
import { migrateLowdbToRedis } from './migrate.ts';
import { connectTestRedis, flushPrefix, TEST_REDIS_URL, testPrefix } from './test-support.ts';
import { recordWrite } from '../store/session-write.ts';

let redis: Redis;
let dir: string;
const prefixes: string[] = [];
beforeAll(async () => {
  redis = await connectTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'sb-migrate-'));
  const lowdb = new LowdbStore(dir);
  await lowdb.putGraph(graphRecord('acme', 'support', 1));
  await lowdb.putGraph(graphRecord('acme', 'support', 2, true));
  await lowdb.putGraph(graphRecord('other', 'g', 1));
  const fenced = sessionRecord('acme', { graphId: 'support', user: 'ann' });
  await lowdb.putSession(recordWrite(fenced, { fence: 7 }));
  await lowdb.putSession(recordWrite(sessionRecord('acme', { graphId: 'support', state: 'closed' })));
  await lowdb.setMemory('acme', 'ann', 'color', 'blue');
  await lowdb.setMemory('acme', 'ann@example.com', 'city', 'Oslo'); // stored under a hash of the name
  await lowdb.close();
});
afterAll(async () => {
  for (const p of prefixes) await flushPrefix(redis, p);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

describe('migrateLowdbToRedis', () => {
  it('copies graphs, sessions with their fences and memories so the Redis store reads the same', async () => {
    const prefix = testPrefix('migrate');
    prefixes.push(prefix);
    const counts = await migrateLowdbToRedis(dir, redis, prefix);
    expect(counts).toEqual({ tenants: 2, graphVersions: 3, sessions: 2, memories: 2, transcriptEntries: 0 });

    const lowdb = new LowdbStore(dir);
    const target = new RedisStore({ redis, prefix });
    for (const tenant of ['acme', 'other']) {
      expect(await target.listGraphs(tenant)).toEqual(await lowdb.listGraphs(tenant));
      expect(await target.listSessions(tenant)).toEqual(await lowdb.listSessions(tenant));
    }
    expect(await target.getGraph('acme', 'support', 1)).toEqual(await lowdb.getGraph('acme', 'support', 1));
    const [first] = await lowdb.listSessions('acme', { user: 'ann' });
    expect(await target.getSession('acme', first!.id)).toEqual(await lowdb.getSession('acme', first!.id));
    await expect(
      target.putSession(recordWrite((await lowdb.getSession('acme', first!.id))!, { fence: 6 })),
    ).rejects.toMatchObject({ code: 'stale_fence' });
    expect(await target.getMemory('acme', 'ann')).toEqual({ color: 'blue' });
    expect(await target.getMemory('acme', 'ann@example.com')).toEqual({ city: 'Oslo' });
    await lowdb.close();
  });

  it('runs as a one-shot command and fails clearly without Redis', async () => {
    const prefix = testPrefix('migrate-cli');
    prefixes.push(prefix);
    const run = promisify(execFile);
    const script = join(import.meta.dirname, '..', 'migrate-to-redis.ts');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', script, '--data', dir, '--redis', TEST_REDIS_URL, '--prefix', prefix],
      { timeout: 30_000 },
    );
    expect(stdout).toContain('migrated 2 tenants, 3 graph versions, 2 sessions, 2 user memories');
    expect(await new RedisStore({ redis, prefix }).listGraphs('other')).toHaveLength(1);

    const failed = await run(
      process.execPath,
      ['--import', 'tsx', script, '--data', dir, '--redis', 'redis://127.0.0.1:1'],
      { timeout: 30_000 },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('migrate-to-redis:') });
  }, 60_000);
});
