import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestRedis, flushPrefix, testPrefix } from '../../cluster/test-support.ts';
import { graphRecord, message, sessionRecord } from '../contract/records.ts';
import { LowdbStore } from '../lowdb-store.ts';
import { RedisStore } from '../redis-store.ts';
import { createTestSchema, tableContents, type TestSchema } from '../postgres/test-support.ts';
import { recordWrite } from '../session-write.ts';
import type { SessionRecord, Store } from '../types.ts';
import { migrateToPostgres } from './to-postgres.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../cli.ts');
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', CLI, 'migrate', ...args], { timeout: 60_000 });

/** What each source holds: two tenants, graph versions, sessions with transcripts, snapshots and fences, memories. */
async function fill(store: Store): Promise<SessionRecord[]> {
  await store.putGraph(graphRecord('acme', 'support', 1));
  await store.putGraph(graphRecord('acme', 'support', 2, true));
  await store.putGraph(graphRecord('other', 'g', 1));
  const talk = sessionRecord('acme', { graphId: 'support', user: 'ann', turns: 2 });
  const id = talk.info.id;
  const sessions: SessionRecord[] = [
    {
      ...talk,
      transcript: [message(id, 'q1'), message(id, 'a1'), message(id, 'q2')],
      snapshot: { key: id, agents: { a: { history: ['q1', 'a1'] } }, pending: [] },
      acceptedMessageIds: ['m1', 'm2'],
      inbox: [{ messageId: 'm2', turnId: 't2', content: 'q2' }],
    },
    sessionRecord('acme', { graphId: 'support', state: 'closed' }),
    sessionRecord('other', { graphId: 'g' }),
  ];
  await store.putSession(recordWrite(sessions[0]!, { fence: 7 }));
  for (const s of sessions.slice(1)) await store.putSession(recordWrite(s));
  await store.setMemory('acme', 'ann', 'color', 'blue');
  await store.setMemory('acme', 'ann@example.com', 'city', 'Oslo'); // kept under a hash of the name
  return sessions;
}

/** The target reads as the source wrote, fences included. */
async function expectCopied(db: TestSchema, sessions: SessionRecord[]): Promise<void> {
  const target = await db.open();
  try {
    for (const s of sessions) expect(await target.getSession(s.info.tenant, s.info.id)).toEqual(s);
    expect((await target.listSessions('acme')).map((s) => s.id).sort()).toEqual(
      sessions
        .slice(0, 2)
        .map((s) => s.info.id)
        .sort(),
    );
    expect(await target.listGraphVersions('acme', 'support')).toEqual([1, 2]);
    expect((await target.getGraph('acme', 'support', 2))?.draft).toBe(true);
    expect((await target.listGraphs('other')).map((g) => [g.id, g.version])).toEqual([['g', 1]]);
    expect(await target.getMemory('acme', 'ann')).toEqual({ color: 'blue' });
    expect(await target.getMemory('acme', 'ann@example.com')).toEqual({ city: 'Oslo' });
    expect(await target.fenceOf(sessions[0]!.info.id)).toBe(7);
    await expect(target.putSession(recordWrite(sessions[0]!, { fence: 6 }))).rejects.toMatchObject({
      code: 'stale_fence',
    });
  } finally {
    await target.close();
  }
}

const schemas: TestSchema[] = [];
afterAll(async () => {
  for (const db of schemas) await db.drop();
});
const freshSchema = async () => {
  const db = await createTestSchema('copy');
  schemas.push(db);
  return db;
};
const urlOf = (db: TestSchema) => `${db.url}?search_path=${db.schema}`;

describe('switchboard migrate: data folder to PostgreSQL', () => {
  let dir: string;
  let sessions: SessionRecord[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-to-pg-'));
    const lowdb = new LowdbStore(dir);
    sessions = await fill(lowdb);
    await lowdb.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('copies everything, verifies it, and a second run changes nothing', async () => {
    const db = await freshSchema();
    const first = await cli('--from', dir, '--to', urlOf(db));
    expect(first.stdout).toContain(
      'migrated 2 tenants, 3 graph versions, 3 sessions (3 transcript entries), 2 user memories; verified',
    );
    await expectCopied(db, sessions);
    const rows = await tableContents(db.sql);
    const second = await cli('--from', dir, '--to', urlOf(db));
    expect(second.stdout).toContain(
      'migrated 2 tenants, 3 graph versions, 3 sessions (3 transcript entries), 2 user memories; verified',
    );
    // Everything but the revision a write stamps on its session row is as the first run left it.
    const withoutRevision = (t: Awaited<ReturnType<typeof tableContents>>) => ({
      ...t,
      sessions: t.sessions!.map((r) => ({ ...(r as object), revision: undefined })),
    });
    expect(withoutRevision(await tableContents(db.sql))).toEqual(withoutRevision(rows));
  }, 120_000);

  it('fails clearly on a bad source or target, and when the target has newer writes', async () => {
    const db = await freshSchema();
    await expect(cli('--from', join(dir, 'nope'), '--to', urlOf(db))).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--from must be a data folder or a redis:// URL'),
    });
    await expect(migrateToPostgres({ from: dir, to: 'mysql://x', prefix: 'sb:' })).rejects.toMatchObject({
      code: 'invalid',
      details: { field: 'to' },
    });
    await expect(
      migrateToPostgres({ from: dir, to: 'postgres://postgres@127.0.0.1:1/test', prefix: 'sb:' }),
    ).rejects.toMatchObject({ code: 'store_unavailable' });
    await migrateToPostgres({ from: dir, to: urlOf(db), prefix: 'sb:' });
    // A runner on PostgreSQL took the session over since (fence 8): the copy must not overwrite it.
    const live = await db.open();
    await live.putSession(
      recordWrite(
        { ...sessions[0]!, transcript: [...sessions[0]!.transcript, message(sessions[0]!.info.id, 'a2')] },
        { fence: 8 },
      ),
    );
    await live.close();
    await expect(migrateToPostgres({ from: dir, to: urlOf(db), prefix: 'sb:' })).rejects.toMatchObject({
      code: 'stale_fence',
    });
    expect((await db.sql`SELECT 1 FROM transcript_entries WHERE session_id = ${sessions[0]!.info.id}`).count).toBe(4);
  }, 120_000);
});

describe('switchboard migrate: Redis to PostgreSQL', () => {
  let redis: Redis;
  let prefix: string;
  let sessions: SessionRecord[];
  beforeAll(async () => {
    redis = await connectTestRedis();
    prefix = testPrefix('to-pg');
    const source = new RedisStore({ redis, prefix });
    sessions = await fill(source);
    await source.close();
  });
  afterAll(async () => {
    await flushPrefix(redis, prefix);
    redis.disconnect();
  });

  it('copies everything under the key prefix, verifies it, and runs again the same', async () => {
    const db = await freshSchema();
    const url = `redis://${redis.options.host}:${redis.options.port}`;
    const first = await cli('--from', url, '--prefix', prefix, '--to', urlOf(db));
    expect(first.stdout).toContain(
      'migrated 2 tenants, 3 graph versions, 3 sessions (3 transcript entries), 2 user memories; verified',
    );
    await expectCopied(db, sessions);
    const again = await migrateToPostgres({ from: url, to: urlOf(db), prefix });
    expect(again).toEqual({ tenants: 2, graphVersions: 3, sessions: 3, memories: 2, transcriptEntries: 3 });
    await expectCopied(db, sessions);
  }, 120_000);
});
