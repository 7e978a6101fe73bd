import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LowdbStore } from './lowdb-store.ts';
import { CHUNK } from './transcript-log.ts';
import { describeStoreContract, graphRecord, message, sessionRecord } from './store-contract.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-lowdb-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describeStoreContract('lowdb', async () => new LowdbStore(await tempDir()));

describe('LowdbStore specifics', () => {
  it('refuses ids that could leave the data dir', async () => {
    const store = new LowdbStore(await tempDir());
    for (const bad of ['..', '../x', 'a/b', 'a\\b', '', 'a b', 'x'.repeat(65)]) {
      await expect(store.getSession(bad, 'abc')).rejects.toMatchObject({ code: 'invalid' });
      await expect(store.getSession('t', bad)).rejects.toMatchObject({ code: 'invalid' });
      await expect(store.getGraph('t', bad)).rejects.toMatchObject({ code: 'invalid' });
      await expect(store.putSession(sessionRecord(bad))).rejects.toMatchObject({ code: 'invalid' });
    }
    await expect(store.putGraph(graphRecord('t', '../../etc', 1))).rejects.toMatchObject({ code: 'invalid' });
    await expect(store.getMemory('t', '')).rejects.toMatchObject({ code: 'invalid' });
    await store.setMemory('t', '../../etc/passwd', 'k', 'v');
    expect(await store.getMemory('t', '../../etc/passwd')).toEqual({ k: 'v' });
  });

  it('keeps each session in its own file and leaves no temp files behind', async () => {
    const dir = await tempDir();
    const store = new LowdbStore(dir);
    const records = Array.from({ length: 5 }, () => sessionRecord('acme'));
    await Promise.all(records.map((r) => store.putSession(r)));
    const files = await readdir(join(dir, 'tenants', 'acme', 'sessions'));
    expect(files.sort()).toEqual(records.map((r) => `${r.info.id}.json`).sort());
  });

  it('reports a corrupt session file as a clear error and keeps serving the others', async () => {
    const dir = await tempDir();
    const store = new LowdbStore(dir);
    const bad = sessionRecord('acme');
    const good = sessionRecord('acme');
    await store.putSession(bad);
    await store.putSession(good);
    await writeFile(join(dir, 'tenants', 'acme', 'sessions', `${bad.info.id}.json`), '{"info": {"id": tru');
    await expect(store.getSession('acme', bad.info.id)).rejects.toMatchObject({ code: 'corrupt_record', message: expect.stringContaining('corrupt') });
    expect(await store.getSession('acme', good.info.id)).toEqual(good);
    await store.putSession(bad);
    expect(await store.getSession('acme', bad.info.id)).toEqual(bad);
  });

  it('ignores transcript log lines past the stored count and survives a torn line', async () => {
    const dir = await tempDir();
    const store = new LowdbStore(dir);
    const record = sessionRecord('acme');
    const entries = Array.from({ length: 2 * CHUNK + 3 }, (_, i) => ({ ...message(record.info.id), content: `e${i}` }));
    await store.putSession({ ...record, transcript: entries.slice(0, CHUNK + 1) });
    const log = join(dir, 'tenants', 'acme', 'sessions', `${record.info.id}.transcript.jsonl`);
    // an append whose session write never landed, then a torn line
    await appendFile(log, `${JSON.stringify({ n: CHUNK, e: { ...entries[0], content: 'orphan' } })}\n{"n":${CHUNK + 1},"e":{"tor`);
    expect((await store.getSession('acme', record.info.id))?.transcript.map((m) => m.content)).toEqual(entries.slice(0, CHUNK + 1).map((e) => e.content));
    await store.putSession({ ...record, transcript: entries }, { transcriptFrom: CHUNK + 1 });
    expect((await store.getSession('acme', record.info.id))?.transcript.map((m) => m.content)).toEqual(entries.map((e) => e.content));
  });

  it('reports a transcript log with missing entries as corrupt', async () => {
    const dir = await tempDir();
    const store = new LowdbStore(dir);
    const record = sessionRecord('acme');
    await store.putSession({ ...record, transcript: Array.from({ length: CHUNK }, () => message(record.info.id)) });
    await writeFile(join(dir, 'tenants', 'acme', 'sessions', `${record.info.id}.transcript.jsonl`), '');
    await expect(store.getSession('acme', record.info.id)).rejects.toMatchObject({ code: 'corrupt_record', message: expect.stringContaining(`${CHUNK} of ${CHUNK} logged entries are missing`) });
  });

  it('appends hinted writes to a side file, read back by a fresh store, and folds them into a full write now and then', async () => {
    const dir = await tempDir();
    const store = new LowdbStore(dir);
    const record = sessionRecord('acme');
    const sessions = join(dir, 'tenants', 'acme', 'sessions');
    const side = join(sessions, `${record.info.id}.log.jsonl`);
    await store.putSession(record);
    const main = await readFile(join(sessions, `${record.info.id}.json`), 'utf8');
    for (let turn = 1; turn <= 5; turn++) await store.putSession({ ...record, info: { ...record.info, turns: turn } }, { transcriptFrom: 0 });
    expect(await readFile(join(sessions, `${record.info.id}.json`), 'utf8')).toBe(main);
    expect((await readFile(side, 'utf8')).trim().split('\n').filter(Boolean)).toHaveLength(5);
    expect((await new LowdbStore(dir).getSession('acme', record.info.id))?.info.turns).toBe(5);
    // a torn last line (kill -9 during an append) falls back to the line before it
    await appendFile(side, '\n{"gen":"x","head":{"inf');
    expect((await new LowdbStore(dir).getSession('acme', record.info.id))?.info.turns).toBe(5);
    for (let turn = 6; turn <= 40; turn++) await store.putSession({ ...record, info: { ...record.info, turns: turn } }, { transcriptFrom: 0 });
    expect((await readFile(side, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).length).toBeLessThanOrEqual(16);
    expect((await new LowdbStore(dir).getSession('acme', record.info.id))?.info.turns).toBe(40);
    // a write without the hint is a full one, and older side lines no longer count
    await store.putSession({ ...record, info: { ...record.info, turns: 41 } });
    expect((await new LowdbStore(dir).getSession('acme', record.info.id))?.info.turns).toBe(41);
    await store.deleteSession('acme', record.info.id);
    expect(await readdir(sessions)).toEqual([]);
  });

  it('skips a torn index line left by a crash and keeps appending after it', async () => {
    const dir = await tempDir();
    const a = sessionRecord('acme');
    const b = sessionRecord('acme');
    await new LowdbStore(dir).putSession(a);
    await appendFile(join(dir, 'tenants', 'acme', 'sessions.index.jsonl'), '{"i":{"id":"half');
    const store = new LowdbStore(dir);
    await store.putSession(b);
    expect((await store.listSessions('acme')).map((s) => s.id).sort()).toEqual([a.info.id, b.info.id].sort());
  });

  it('compacts the index so it does not grow with the number of writes', async () => {
    const dir = await tempDir();
    const store = new LowdbStore(dir);
    const record = sessionRecord('acme');
    for (let turn = 0; turn < 400; turn++) await store.putSession({ ...record, info: { ...record.info, turns: turn } });
    const lines = (await readFile(join(dir, 'tenants', 'acme', 'sessions.index.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThan(200);
    expect((await store.listSessions('acme'))[0]?.turns).toBe(399);
  }, 30_000);

  it('rejects a failed write clearly and leaves the stored record intact', async () => {
    const dir = await tempDir();
    const store = new LowdbStore(dir);
    const record = sessionRecord('acme');
    await store.putSession(record);
    // A directory where the temp file goes makes the write fail for any user, root included.
    const sessions = join(dir, 'tenants', 'acme', 'sessions');
    await mkdir(join(sessions, `.${record.info.id}.json.tmp`));
    await expect(store.putSession({ ...record, info: { ...record.info, turns: 7 } })).rejects.toMatchObject({
      code: 'store_unavailable',
      message: expect.stringContaining(`could not write session "${record.info.id}"`),
    });
    expect(await store.getSession('acme', record.info.id)).toEqual(record);
  });

  it('rejects writes under a data dir that cannot be created', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'file');
    await writeFile(blocker, 'x');
    const store = new LowdbStore(blocker);
    await expect(store.putSession(sessionRecord('acme'))).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(store.setMemory('acme', 'ann', 'k', 'v')).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('never leaves a torn session file when the writer is killed with SIGKILL', async () => {
    const dir = await tempDir();
    const id = randomUUID();
    const fixture = join(dirname(fileURLToPath(import.meta.url)), 'crash-writer.fixture.ts');
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, id], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      });
      await new Promise((r) => setTimeout(r, 50 + round * 70));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const store = new LowdbStore(dir);
      const record = await store.getSession('acme', id);
      expect(record?.info.id).toBe(id);
      expect(record?.transcript).toHaveLength(record!.info.turns + 1);
      expect((await store.listSessions('acme')).map((s) => s.id)).toEqual([id]);
    }
  }, 60_000);
});
