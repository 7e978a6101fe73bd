import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../schemas/protocol.ts';
import { LowdbStore } from '../../runner/store/lowdb-store.ts';
import type { SessionRecord } from '../../runner/store/types.ts';
import { count } from './harness/tally.ts';
import { rejection } from './helpers/errors.ts';
import { tempDirs } from './helpers/temp-dir.ts';
import { recordWrite } from '../../runner/store/session-write.ts';

/**
 * Failing disks at the embedded store, injected without root: /dev/full behind the temp file
 * (ENOSPC), a directory where the temp file goes (EISDIR), a file where a folder is expected.
 * Each write must fail with a clear store error and leave what was stored readable and whole.
 */
const dirs = tempDirs('hardening-disk');
afterAll(() => dirs.removeAll());

const TENANT = 't1';
let root: string;
let store: LowdbStore;
beforeEach(async () => {
  root = await dirs.make();
  store = new LowdbStore(root);
  return () => store.close();
});

function record(id: string, contents: string[]): SessionRecord {
  const transcript: MessageEvent[] = contents.map((content, i) => ({
    sessionId: id,
    id: `m${i}`,
    turnId: `t${i}`,
    topic: { type: 'in', source: id },
    sender: 'user',
    recipients: ['echo'],
    role: 'user',
    content,
    output: false,
    time: i,
  }));
  return {
    info: {
      id,
      tenant: TENANT,
      graphId: 'echo',
      graphVersion: 1,
      state: 'idle',
      createdAt: 1,
      lastActiveAt: 1,
      turns: contents.length,
      usage: { promptTokens: 0, completionTokens: 0, cost: 0, estimated: false },
    },
    transcript,
    acceptedMessageIds: transcript.map((m) => m.id),
  };
}
const sessionFile = (id: string) => join(root, 'tenants', TENANT, 'sessions', `${id}.json`);
const tempFileOf = (file: string) => join(file, '..', `.${file.split('/').pop()}.tmp`);

const segmentFile = (seq: number) => join(root, 'journal', `${String(seq).padStart(12, '0')}.jsonl`);

describe('disk faults at the embedded store', () => {
  it('disk full at the journal (ENOSPC via /dev/full): the write fails with a clear error and the stored turn is intact', async () => {
    const id = randomUUID();
    await store.putSession(recordWrite(record(id, ['first'])));
    await store.flush(); // the journal is folded into the files; the next segment is new
    const before = await readFile(sessionFile(id), 'utf8');
    const next = (await readdir(join(root, 'journal'))).length + 2; // segment 1 was folded and dropped
    const full = [next, next + 1, next + 2].map(segmentFile);
    for (const f of full) await symlink('/dev/full', f);
    count({ faults: 1 });

    const failed = await rejection(() => store.putSession(recordWrite(record(id, ['first', 'second']))));
    expect(failed).toMatchObject({
      code: 'store_unavailable',
      status: 503,
      message: `could not write session "${id}": the disk is full`,
      details: { errno: 'ENOSPC' },
    });
    expect(await readFile(sessionFile(id), 'utf8')).toBe(before);
    const kept = await store.getSession(TENANT, id);
    expect(kept?.transcript.map((m) => m.content)).toEqual(['first']);
    count({ checked: kept!.transcript.length });

    // Room again: the next write goes through, and survives a restart.
    for (const f of full) await rm(f);
    await store.putSession(recordWrite(record(id, ['first', 'second'])));
    await store.close();
    store = new LowdbStore(root);
    expect((await store.getSession(TENANT, id))?.transcript.map((m) => m.content)).toEqual(['first', 'second']);
  });

  it('disk full behind a session file at a checkpoint: the write stays in the journal, the file is intact, and it lands once there is room', async () => {
    const id = randomUUID();
    const errors: unknown[] = [];
    await store.close();
    store = new LowdbStore(root, { onError: (e) => errors.push(e) });
    await store.putSession(recordWrite(record(id, ['first'])));
    await store.flush();
    const before = await readFile(sessionFile(id), 'utf8');
    await symlink('/dev/full', tempFileOf(sessionFile(id)));
    count({ faults: 1 });

    await store.putSession(recordWrite(record(id, ['first', 'second'])));
    expect(await rejection(() => store.flush())).toMatchObject({
      code: 'store_unavailable',
      status: 503,
      message: `could not write session "${id}": the disk is full`,
    });
    expect(await readFile(sessionFile(id), 'utf8')).toBe(before);
    expect((await store.getSession(TENANT, id))?.transcript.map((m) => m.content)).toEqual(['first', 'second']);
    count({ checked: 2 });

    // The failed write cleaned its temp path, so the next checkpoint goes through.
    await store.flush();
    const reopened = new LowdbStore(root);
    expect((await reopened.getSession(TENANT, id))?.transcript.map((m) => m.content)).toEqual(['first', 'second']);
    await reopened.close();
  });

  it('a directory in place of the temp file (EISDIR): the checkpoint fails, nothing is lost, and the session stays listed', async () => {
    const id = randomUUID();
    await store.putSession(recordWrite(record(id, ['kept'])));
    await store.flush();
    await mkdir(tempFileOf(sessionFile(id)));
    count({ faults: 1 });

    await store.putSession(recordWrite(record(id, ['kept', 'also kept'])));
    expect(await rejection(() => store.flush())).toMatchObject({
      code: 'store_unavailable',
      status: 503,
      message: expect.stringMatching(new RegExp(`^could not write session "${id}": `)),
    });
    const kept = await store.getSession(TENANT, id);
    expect(kept?.transcript.map((m) => m.content)).toEqual(['kept', 'also kept']);
    count({ checked: 2 });
    expect((await store.listSessions(TENANT)).map((s) => s.id)).toEqual([id]);
    // A restart replays the journal, which still holds the write.
    const reopened = new LowdbStore(root);
    expect((await reopened.getSession(TENANT, id))?.transcript.map((m) => m.content)).toEqual(['kept', 'also kept']);
    await reopened.close().catch(() => undefined);
  });

  it('a file where the sessions folder should be: checkpoints fail clearly, the sessions stay readable, graphs still work', async () => {
    await mkdir(join(root, 'tenants', TENANT), { recursive: true });
    await writeFile(join(root, 'tenants', TENANT, 'sessions'), 'not a folder');
    count({ faults: 1 });

    const id = randomUUID();
    await store.putSession(recordWrite(record(id, ['x'])));
    expect(await rejection(() => store.flush())).toMatchObject({
      code: 'store_unavailable',
      status: 503,
      message: expect.stringMatching(new RegExp(`^could not write session "${id}": `)),
    });
    expect((await store.getSession(TENANT, id))?.transcript.map((m) => m.content)).toEqual(['x']);
    count({ checked: 1 });
    await store.putGraph({ tenant: TENANT, id: 'g', version: 1, graph: {} as never, draft: true, updatedAt: 1 });
    expect(await store.listGraphVersions(TENANT, 'g')).toEqual([1]);
  });

  it('a file where the data folder should be: every write fails clearly and the file is untouched', async () => {
    const file = join(root, 'data');
    await writeFile(file, 'precious');
    const broken = new LowdbStore(file);
    count({ faults: 1 });
    const failed = await rejection(() => broken.putSession(recordWrite(record(randomUUID(), ['x']))));
    expect(failed).toMatchObject({ code: 'store_unavailable', status: 503 });
    expect(await readFile(file, 'utf8')).toBe('precious');
    await broken.close();
  });

  it('a corrupt session file is reported as corrupt, not as missing, and other sessions still load', async () => {
    const good = randomUUID();
    const bad = randomUUID();
    await store.putSession(recordWrite(record(good, ['fine'])));
    await store.putSession(recordWrite(record(bad, ['soon torn'])));
    await store.flush();
    await writeFile(sessionFile(bad), '{"info": {"id": "');
    count({ faults: 1 });
    expect(await rejection(() => store.getSession(TENANT, bad))).toMatchObject({ code: 'corrupt_record', status: 500 });
    expect((await store.getSession(TENANT, good))?.transcript.map((m) => m.content)).toEqual(['fine']);
    count({ checked: 1 });
    await rm(sessionFile(bad));
  });

  it('a torn last line in the session index (kill -9 during an append) is skipped, and appends continue', async () => {
    const first = randomUUID();
    await store.putSession(recordWrite(record(first, ['one'])));
    await store.flush();
    await appendFile(join(root, 'tenants', TENANT, 'sessions.index.jsonl'), '{"i":{"id":"torn');
    count({ faults: 1 });

    const reopened = new LowdbStore(root);
    expect((await reopened.listSessions(TENANT)).map((s) => s.id)).toEqual([first]);
    const second = randomUUID();
    await reopened.putSession(recordWrite(record(second, ['two'])));
    await reopened.close();
    const again = new LowdbStore(root);
    expect((await again.listSessions(TENANT)).map((s) => s.id).sort()).toEqual([first, second].sort());
    await again.close();
  });
});
