import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../schemas/protocol.ts';
import { LowdbStore } from '../../runner/store/lowdb-store.ts';
import type { SessionRecord } from '../../runner/store/types.ts';
import { count } from './harness/tally.ts';
import { rejection } from './helpers/errors.ts';
import { tempDirs } from './helpers/temp-dir.ts';

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
    info: { id, tenant: TENANT, graphId: 'echo', graphVersion: 1, state: 'idle', createdAt: 1, lastActiveAt: 1, turns: contents.length, usage: { promptTokens: 0, completionTokens: 0, cost: 0, estimated: false } },
    transcript,
    acceptedMessageIds: transcript.map((m) => m.id),
  };
}
const sessionFile = (id: string) => join(root, 'tenants', TENANT, 'sessions', `${id}.json`);
const tempFileOf = (file: string) => join(file, '..', `.${file.split('/').pop()}.tmp`);

describe('disk faults at the embedded store', () => {
  it('disk full (ENOSPC via /dev/full): the write fails with a clear error and the stored turn is intact', async () => {
    const id = randomUUID();
    await store.putSession(record(id, ['first']));
    const before = await readFile(sessionFile(id), 'utf8');
    await symlink('/dev/full', tempFileOf(sessionFile(id)));
    count({ faults: 1 });

    const failed = await rejection(() => store.putSession(record(id, ['first', 'second'])));
    expect(failed).toMatchObject({ code: 'store_unavailable', status: 503, message: `could not write session "${id}": the disk is full`, details: { errno: 'ENOSPC' } });
    expect(await readFile(sessionFile(id), 'utf8')).toBe(before);
    const kept = await store.getSession(TENANT, id);
    expect(kept?.transcript.map((m) => m.content)).toEqual(['first']);
    count({ checked: kept!.transcript.length });

    // The failed write cleaned its temp path, so the next write goes through.
    await store.putSession(record(id, ['first', 'second']));
    expect((await store.getSession(TENANT, id))?.transcript.map((m) => m.content)).toEqual(['first', 'second']);
  });

  it('a directory in place of the temp file (EISDIR): the write fails and the stored turn is intact', async () => {
    const id = randomUUID();
    await store.putSession(record(id, ['kept']));
    await mkdir(tempFileOf(sessionFile(id)));
    count({ faults: 1 });

    const failed = await rejection(() => store.putSession(record(id, ['kept', 'lost'])));
    expect(failed).toMatchObject({ code: 'store_unavailable', status: 503, message: expect.stringMatching(new RegExp(`^could not write session "${id}": `)) });
    const kept = await store.getSession(TENANT, id);
    expect(kept?.transcript.map((m) => m.content)).toEqual(['kept']);
    count({ checked: 1 });
    expect((await store.listSessions(TENANT)).map((s) => s.id)).toEqual([id]);
  });

  it('a file where the sessions folder should be: new sessions fail clearly, graphs still work', async () => {
    await mkdir(join(root, 'tenants', TENANT), { recursive: true });
    await writeFile(join(root, 'tenants', TENANT, 'sessions'), 'not a folder');
    count({ faults: 1 });

    const id = randomUUID();
    const failed = await rejection(() => store.putSession(record(id, ['x'])));
    expect(failed).toMatchObject({ code: 'store_unavailable', status: 503, message: expect.stringMatching(new RegExp(`^could not write session "${id}": `)) });
    expect(await store.listSessions(TENANT)).toEqual([]);
  });

  it('a file where the data folder should be: every write fails clearly and the file is untouched', async () => {
    const file = join(root, 'data');
    await writeFile(file, 'precious');
    const broken = new LowdbStore(file);
    count({ faults: 1 });
    const failed = await rejection(() => broken.putSession(record(randomUUID(), ['x'])));
    expect(failed).toMatchObject({ code: 'store_unavailable', status: 503 });
    expect(await readFile(file, 'utf8')).toBe('precious');
    await broken.close();
  });

  it('a corrupt session file is reported as corrupt, not as missing, and other sessions still load', async () => {
    const good = randomUUID();
    const bad = randomUUID();
    await store.putSession(record(good, ['fine']));
    await store.putSession(record(bad, ['soon torn']));
    await writeFile(sessionFile(bad), '{"info": {"id": "');
    count({ faults: 1 });
    expect(await rejection(() => store.getSession(TENANT, bad))).toMatchObject({ code: 'corrupt_record', status: 500 });
    expect((await store.getSession(TENANT, good))?.transcript.map((m) => m.content)).toEqual(['fine']);
    count({ checked: 1 });
    await rm(sessionFile(bad));
  });
  it('a torn last line in the session index (kill -9 during an append) is skipped, and appends continue', async () => {
    const first = randomUUID();
    await store.putSession(record(first, ['one']));
    await appendFile(join(root, 'tenants', TENANT, 'sessions.index.jsonl'), '{"i":{"id":"torn');
    count({ faults: 1 });

    const reopened = new LowdbStore(root);
    expect((await reopened.listSessions(TENANT)).map((s) => s.id)).toEqual([first]);
    const second = randomUUID();
    await reopened.putSession(record(second, ['two']));
    expect((await new LowdbStore(root).listSessions(TENANT)).map((s) => s.id).sort()).toEqual([first, second].sort());
    await reopened.close();
  });
});
