import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LowdbStore, type LowdbStoreOptions } from './lowdb-store.ts';
import { CHUNK } from './transcript-log.ts';
import { describeStoreContracts } from './contract/index.ts';
import { graphRecord, message, sessionRecord } from './contract/records.ts';
import { recordWrite } from './session-write.ts';
import { crashAfter, fixture } from './test-support.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-lowdb-'));
  dirs.push(dir);
  return dir;
}
/** Every store a test opens is closed after it: an open one could still write while its folder is removed. */
const stores: LowdbStore[] = [];
function storeIn(dir: string, options?: LowdbStoreOptions): LowdbStore {
  const store = new LowdbStore(dir, options);
  stores.push(store);
  return store;
}
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describeStoreContracts(
  'lowdb',
  async () => new LowdbStore(await tempDir()),
  (store) => filesUnder((store as LowdbStore).dir),
);

/** Every file under `dir` with its size, modification time and content. */
async function filesUnder(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    // A file removed meanwhile is left out: the comparison then shows it gone.
    const [info, content] = await Promise.all([stat(path), readFile(path)]).catch(() => []);
    if (info && content)
      files[relative(dir, path)] = `${info.size} ${info.mtimeMs} ${createHash('sha256').update(content).digest('hex')}`;
  }
  return files;
}

describe('LowdbStore specifics', () => {
  it('refuses ids that could leave the data dir', async () => {
    const store = storeIn(await tempDir());
    for (const bad of ['..', '../x', 'a/b', 'a\\b', '', 'a b', 'x'.repeat(65)]) {
      await expect(store.getSession(bad, 'abc')).rejects.toMatchObject({ code: 'invalid' });
      await expect(store.getSession('t', bad)).rejects.toMatchObject({ code: 'invalid' });
      await expect(store.getGraph('t', bad)).rejects.toMatchObject({ code: 'invalid' });
      await expect(store.putSession(recordWrite(sessionRecord(bad)))).rejects.toMatchObject({ code: 'invalid' });
    }
    await expect(store.putGraph(graphRecord('t', '../../etc', 1))).rejects.toMatchObject({ code: 'invalid' });
    await expect(store.getMemory('t', '')).rejects.toMatchObject({ code: 'invalid' });
    await store.setMemory('t', '../../etc/passwd', 'k', 'v');
    expect(await store.getMemory('t', '../../etc/passwd')).toEqual({ k: 'v' });
  });

  it('keeps each session in its own file and leaves no temp files behind', async () => {
    const dir = await tempDir();
    const store = storeIn(dir);
    const records = Array.from({ length: 5 }, () => sessionRecord('acme'));
    await Promise.all(records.map((r) => store.putSession(recordWrite(r))));
    await store.flush();
    const files = await readdir(join(dir, 'tenants', 'acme', 'sessions'));
    expect(files.sort()).toEqual(records.map((r) => `${r.info.id}.json`).sort());
  });

  it('reports a corrupt session file as a clear error and keeps serving the others', async () => {
    const dir = await tempDir();
    const store = storeIn(dir);
    const bad = sessionRecord('acme');
    const good = sessionRecord('acme');
    await store.putSession(recordWrite(bad));
    await store.putSession(recordWrite(good));
    await store.flush();
    await writeFile(join(dir, 'tenants', 'acme', 'sessions', `${bad.info.id}.json`), '{"info": {"id": tru');
    await expect(store.getSession('acme', bad.info.id)).rejects.toMatchObject({
      code: 'corrupt_record',
      message: expect.stringContaining('corrupt'),
    });
    expect(await store.getSession('acme', good.info.id)).toEqual(good);
    await store.putSession(recordWrite(bad));
    expect(await store.getSession('acme', bad.info.id)).toEqual(bad);
  });

  it('ignores transcript log lines past the stored count and survives a torn line', async () => {
    const dir = await tempDir();
    const store = storeIn(dir);
    const record = sessionRecord('acme');
    const entries = Array.from({ length: 2 * CHUNK + 3 }, (_, i) => ({ ...message(record.info.id), content: `e${i}` }));
    await store.putSession(recordWrite({ ...record, transcript: entries.slice(0, CHUNK + 1) }));
    await store.flush();
    const log = join(dir, 'tenants', 'acme', 'sessions', `${record.info.id}.transcript.jsonl`);
    // an append whose session write never landed, then a torn line
    await appendFile(
      log,
      `${JSON.stringify({ n: CHUNK, e: { ...entries[0], content: 'orphan' } })}\n{"n":${CHUNK + 1},"e":{"tor`,
    );
    expect((await store.getSession('acme', record.info.id))?.transcript.map((m) => m.content)).toEqual(
      entries.slice(0, CHUNK + 1).map((e) => e.content),
    );
    await store.putSession(recordWrite({ ...record, transcript: entries }, { from: CHUNK + 1 }));
    expect((await store.getSession('acme', record.info.id))?.transcript.map((m) => m.content)).toEqual(
      entries.map((e) => e.content),
    );
    await store.close();
    expect((await storeIn(dir).getSession('acme', record.info.id))?.transcript.map((m) => m.content)).toEqual(
      entries.map((e) => e.content),
    );
  });

  it('reports a transcript log with missing entries as corrupt', async () => {
    const dir = await tempDir();
    const store = storeIn(dir);
    const record = sessionRecord('acme');
    await store.putSession(
      recordWrite({ ...record, transcript: Array.from({ length: CHUNK }, () => message(record.info.id)) }),
    );
    await store.flush();
    await writeFile(join(dir, 'tenants', 'acme', 'sessions', `${record.info.id}.transcript.jsonl`), '');
    await expect(store.getSession('acme', record.info.id)).rejects.toMatchObject({
      code: 'corrupt_record',
      message: expect.stringContaining(`${CHUNK} of ${CHUNK} logged entries are missing`),
    });
  });

  it('appends hinted writes to a side file at checkpoints, read back by a fresh store, and folds them into a full write now and then', async () => {
    const dir = await tempDir();
    const store = storeIn(dir);
    const record = sessionRecord('acme');
    const sessions = join(dir, 'tenants', 'acme', 'sessions');
    const side = join(sessions, `${record.info.id}.log.jsonl`);
    const put = async (turns: number, hinted = true) => {
      await store.putSession(recordWrite({ ...record, info: { ...record.info, turns } }, hinted ? { from: 0 } : {}));
      await store.flush();
    };
    const fresh = async () => {
      const reader = storeIn(dir);
      const turns = (await reader.getSession('acme', record.info.id))?.info.turns;
      await reader.close();
      return turns;
    };
    await store.putSession(recordWrite(record));
    await store.flush();
    const main = await readFile(join(sessions, `${record.info.id}.json`), 'utf8');
    for (let turn = 1; turn <= 5; turn++) await put(turn);
    expect(await readFile(join(sessions, `${record.info.id}.json`), 'utf8')).toBe(main);
    expect((await readFile(side, 'utf8')).trim().split('\n').filter(Boolean)).toHaveLength(5);
    expect(await fresh()).toBe(5);
    // a torn last line (kill -9 during an append) falls back to the line before it
    await appendFile(side, '\n{"gen":"x","head":{"inf');
    expect(await fresh()).toBe(5);
    for (let turn = 6; turn <= 40; turn++) await put(turn);
    expect(
      (await readFile(side, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).length,
    ).toBeLessThanOrEqual(16);
    expect(await fresh()).toBe(40);
    // a write without the hint is a full one, and older side lines no longer count
    await put(41, false);
    expect(await fresh()).toBe(41);
    await store.deleteSession('acme', record.info.id);
    expect(await readdir(sessions)).toEqual([]);
  });

  it('skips a torn index line left by a crash and keeps appending after it', async () => {
    const dir = await tempDir();
    const a = sessionRecord('acme');
    const b = sessionRecord('acme');
    const first = storeIn(dir);
    await first.putSession(recordWrite(a));
    await first.close();
    await appendFile(join(dir, 'tenants', 'acme', 'sessions.index.jsonl'), '{"i":{"id":"half');
    const store = storeIn(dir);
    await store.putSession(recordWrite(b));
    expect((await store.listSessions('acme')).map((s) => s.id).sort()).toEqual([a.info.id, b.info.id].sort());
  });

  it('compacts the index so it does not grow with the number of writes', async () => {
    const dir = await tempDir();
    const store = storeIn(dir);
    const record = sessionRecord('acme');
    for (let turn = 0; turn < 400; turn++) {
      await store.putSession(recordWrite({ ...record, info: { ...record.info, turns: turn } }));
      await store.flush();
    }
    const lines = (await readFile(join(dir, 'tenants', 'acme', 'sessions.index.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThan(200);
    expect((await store.listSessions('acme'))[0]?.turns).toBe(399);
  }, 30_000);

  it('keeps a write whose checkpoint fails in the journal, reports it, and folds it in once the fault is gone', async () => {
    const dir = await tempDir();
    const errors: unknown[] = [];
    const store = storeIn(dir, { onError: (e) => errors.push(e) });
    const record = sessionRecord('acme');
    await store.putSession(recordWrite(record));
    await store.flush();
    // A directory where the temp file goes makes the file write fail for any user, root included.
    const obstacle = join(dir, 'tenants', 'acme', 'sessions', `.${record.info.id}.json.tmp`);
    await mkdir(obstacle);
    const next = { ...record, info: { ...record.info, turns: 7 } };
    await store.putSession(recordWrite(next));
    await expect(store.flush()).rejects.toMatchObject({
      code: 'store_unavailable',
      message: expect.stringContaining(`could not write session "${record.info.id}"`),
    });
    expect(await store.getSession('acme', record.info.id)).toEqual(next);
    await rm(obstacle, { recursive: true });
    await store.flush();
    await store.close();
    const reopened = storeIn(dir);
    expect(await reopened.getSession('acme', record.info.id)).toEqual(next);
    await reopened.close();
  });

  it('rejects a write the journal cannot take (disk full) and keeps what was stored', async () => {
    const dir = await tempDir();
    const journal = join(dir, 'journal');
    await mkdir(journal, { recursive: true });
    const store = storeIn(dir);
    const record = sessionRecord('acme');
    expect(await store.listSessions('acme')).toEqual([]); // opened: an empty journal, next segment 1
    // Every segment the store could open next is /dev/full: the append fails with ENOSPC.
    for (let seq = 1; seq <= 3; seq++)
      await symlink('/dev/full', join(journal, `${String(seq).padStart(12, '0')}.jsonl`));
    await expect(store.putSession(recordWrite(record))).rejects.toMatchObject({
      code: 'store_unavailable',
      message: `could not write session "${record.info.id}": the disk is full`,
    });
    expect(await store.getSession('acme', record.info.id)).toBeUndefined();
    for (let seq = 1; seq <= 3; seq++) await rm(join(journal, `${String(seq).padStart(12, '0')}.jsonl`));
    await store.putSession(recordWrite(record));
    expect(await store.getSession('acme', record.info.id)).toEqual(record);
    await store.close();
  });

  it('reads a session written since the last checkpoint whole: its older entries from the files, the new ones from the journal', async () => {
    const dir = await tempDir();
    const store = storeIn(dir);
    const record = sessionRecord('acme');
    const entries = Array.from({ length: 3 * CHUNK + 5 }, (_, i) => ({ ...message(record.info.id), content: `e${i}` }));
    await store.putSession(recordWrite({ ...record, transcript: entries.slice(0, 2 * CHUNK + 3) }));
    await store.flush();
    for (let n = 2 * CHUNK + 4; n <= entries.length; n++)
      await store.putSession(recordWrite({ ...record, transcript: entries.slice(0, n) }, { from: n - 1 }));
    const contents = entries.map((e) => e.content);
    expect((await store.getSession('acme', record.info.id))?.transcript.map((m) => m.content)).toEqual(contents);
    await store.flush();
    expect((await store.getSession('acme', record.info.id))?.transcript.map((m) => m.content)).toEqual(contents);
    await store.close();
  });

  it("keeps a hot session's pending entries short while checkpoints run between its writes", async () => {
    const dir = await tempDir();
    const store = storeIn(dir);
    const record = sessionRecord('acme');
    const transcript: ReturnType<typeof message>[] = [];
    const pending = (store as unknown as { sessions: { dirty: Map<string, { entries: unknown[] }> } }).sessions.dirty;
    let longest = 0;
    const folds: Promise<void>[] = [];
    for (let turn = 0; turn < 400; turn++) {
      const from = transcript.length;
      transcript.push({ ...message(record.info.id), content: `e${turn}` });
      await store.putSession(recordWrite({ ...record, transcript }, { from: from }));
      if (turn % 25 === 0) folds.push(store.flush()); // a checkpoint runs while the next writes come in
      for (const d of pending.values()) longest = Math.max(longest, d.entries.length);
    }
    await Promise.all(folds);
    await store.flush();
    expect(longest).toBeLessThan(100);
    expect(pending.size).toBe(0);
    await store.close();
    const reopened = storeIn(dir);
    expect((await reopened.getSession('acme', record.info.id))?.transcript.map((m) => m.content)).toEqual(
      transcript.map((m) => m.content),
    );
    await reopened.close();
  });

  it('replays the journal a crash left behind, drops a torn last line, and honours deletions', async () => {
    const dir = await tempDir();
    const kept = sessionRecord('acme');
    const gone = sessionRecord('acme');
    await crashAfter(dir, [
      { put: kept },
      { put: { ...kept, transcript: [message(kept.info.id, 'a'), message(kept.info.id, 'b')] }, options: { from: 0 } },
      { put: gone },
      'flush',
      {
        put: {
          ...kept,
          info: { ...kept.info, turns: 3 },
          transcript: [message(kept.info.id, 'a'), message(kept.info.id, 'b'), message(kept.info.id, 'c')],
        },
        options: { from: 2 },
      },
      { delete: { tenant: 'acme', id: gone.info.id } },
    ]);
    // the process died mid-way through one more append
    const [segment] = await readdir(join(dir, 'journal'));
    await appendFile(join(dir, 'journal', segment!), '{"t":"put","s":"acme","id":"torn","fr');
    const reopened = storeIn(dir);
    const back = await reopened.getSession('acme', kept.info.id);
    expect(back?.info.turns).toBe(3);
    expect(back?.transcript.map((m) => m.content)).toEqual(['a', 'b', 'c']);
    expect(await reopened.getSession('acme', gone.info.id)).toBeUndefined();
    expect((await reopened.listSessions('acme')).map((s) => s.id)).toEqual([kept.info.id]);
    // recovery folded the journal into the files
    expect(await readdir(join(dir, 'journal'))).toEqual([]);
    await reopened.close();
  });

  it('checkpoints a burst of new sessions in parts, without waiting for the writes to pause', async () => {
    const store = storeIn(await tempDir());
    const journaled = (store as unknown as { sessions: { checkpointing?: Promise<void> } }).sessions;
    const hot = sessionRecord('acme');
    await store.putSession(recordWrite(hot));
    await store.flush();
    // A session whose files this store wrote lately costs an append: it does not count.
    await store.putSession(recordWrite({ ...hot, transcript: [message(hot.info.id, 'a')] }, { from: 0 }));
    for (let i = 0; i < 199; i++) await store.putSession(recordWrite(sessionRecord('acme')));
    // Only a pause of half a second would start one before the 200th (the writes do not pause).
    await store.putSession(recordWrite(sessionRecord('acme')));
    expect(journaled.checkpointing).toBeDefined();
    await journaled.checkpointing;
    expect((await store.listSessions('acme')).length).toBe(201);
    await store.close();
  });

  it('reports a journal line it cannot replay (its session files are gone) and replays the others', async () => {
    const dir = await tempDir();
    const [lost, kept] = [sessionRecord('acme'), sessionRecord('acme')];
    await crashAfter(dir, [
      ...[lost, kept].map((r) => ({ put: { ...r, transcript: [message(r.info.id, 'a')] } })),
      'flush',
      ...[lost, kept].map((r) => ({
        put: { ...r, transcript: [message(r.info.id, 'a'), message(r.info.id, 'b')] },
        options: { from: 1 },
      })),
    ]);
    // the process died, and the lost session's files went with a damaged disk
    await rm(join(dir, 'tenants', 'acme', 'sessions', `${lost.info.id}.json`));
    const errors: unknown[] = [];
    const reopened = storeIn(dir, { onError: (e) => errors.push(e) });
    expect((await reopened.getSession('acme', kept.info.id))?.transcript.map((m) => m.content)).toEqual(['a', 'b']);
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'corrupt_record',
        message: expect.stringContaining(`session "${lost.info.id}" of tenant "acme" has no readable files`),
      }),
    ]);
    await reopened.close();
  });

  it('rejects writes under a data dir that cannot be created', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'file');
    await writeFile(blocker, 'x');
    const store = storeIn(blocker);
    await expect(store.putSession(recordWrite(sessionRecord('acme')))).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    await expect(store.setMemory('acme', 'ann', 'k', 'v')).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('never leaves a torn session file when the writer is killed with SIGKILL', async () => {
    const dir = await tempDir();
    const id = randomUUID();
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture('crash-writer'), dir, id], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      });
      await new Promise((r) => setTimeout(r, 50 + round * 70));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const store = storeIn(dir);
      const record = await store.getSession('acme', id);
      expect(record?.info.id).toBe(id);
      expect(record?.transcript).toHaveLength(record!.info.turns + 1);
      expect((await store.listSessions('acme')).map((s) => s.id)).toEqual([id]);
      await store.close(); // before the next writer: one process at a time owns the folder
    }
  }, 60_000);
});
