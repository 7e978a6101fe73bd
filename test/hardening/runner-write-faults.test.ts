import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ack, MessageEvent, WarningEvent } from '../../schemas/protocol.ts';
import { api, call, connect, nextEvent, ok, spawnServer, tempDir } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * Writes start failing under a running runner: every journal segment the store could open next
 * is taken by a directory (EISDIR, no root needed). The write must fail with a logged
 * error and an error or warning the client sees; another session stored before stays intact;
 * once the cause is gone the session carries on, and a restarted runner finds every
 * acknowledged message.
 */
const dir = tempDir('hardening-diskfault-');
let server: Awaited<ReturnType<typeof spawnServer>> | undefined;
let socket: Socket | undefined;

afterAll(async () => {
  socket?.disconnect();
  if (server) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  dir.remove();
});

const SEGMENT = /^(\d+)\.jsonl$/;

/**
 * Directories where the store's next journal segments would go; returns what was blocked. Every
 * session write appends to the open segment; once the store's checkpoint has closed it (within
 * about half a second of a write), the next write must open a new one, and fails.
 */
async function blockJournal(journalDir: string, poke: () => Promise<unknown>): Promise<string[]> {
  const segments = async () => (await readdir(journalDir).catch(() => [] as string[])).flatMap((n) => (SEGMENT.test(n) ? [Number(SEGMENT.exec(n)![1])] : []));
  let open = await segments();
  while (!open.length) {
    await poke(); // a write opens a segment
    open = await segments();
  }
  const current = Math.max(...open);
  const blocked = Array.from({ length: 50 }, (_, i) => join(journalDir, `${String(current + 1 + i).padStart(12, '0')}.jsonl`));
  for (const path of blocked) await mkdir(path);
  await expect.poll(async () => (await segments()).includes(current), { timeout: 10_000 }).toBe(false);
  return blocked;
}

describe('writes failing under a running runner', () => {
  it('fail visibly, damage nothing, and recover once the cause is gone', async () => {
    server = await spawnServer(['--data', dir.path], { LOG_LEVEL: 'warn' });
    let stderr = '';
    server.child.stderr!.on('data', (d) => (stderr += d));
    expect((await api(server.url, 'POST', '/api/graphs', { body: { graph: echoGraph('echo') } })).status).toBe(201);
    socket = await connect(server.url);
    const create = async () => ok(await call<{ session: { id: string } }>(socket!, 'session:create', { graphId: 'echo' })).session.id;
    const turn = async (sessionId: string, content: string) => {
      const end = nextEvent(socket!, 'turn_end', (e) => e.sessionId === sessionId);
      ok(await call(socket!, 'session:send', { sessionId, content }));
      return end;
    };

    const stored = await create();
    await turn(stored, 'stored before the fault');
    const faulty = await create();

    const blocked = await blockJournal(join(dir.path, 'journal'), () => turn(stored, 'a turn that opens a journal segment'));
    count({ faults: 1 });
    const warnings: WarningEvent[] = [];
    socket.on('warning', (w: WarningEvent) => warnings.push(w));
    const during = await call(socket, 'session:send', { sessionId: faulty, content: 'during the fault' });
    const refusal = during.ok ? undefined : (during as Extract<Ack, { ok: false }>).error;
    // The client hears about it: the send is refused, or the turn's save reports a warning.
    await expect.poll(() => (refusal ? [refusal.code] : warnings.map((w) => w.code))).toEqual(expect.arrayContaining([expect.stringMatching(/store_unavailable|persist_failed|checkpoint_failed/)]));
    expect(refusal?.message ?? warnings[0]!.message).toMatch(/could not write/);
    await expect.poll(() => stderr).toMatch(/could not write/);

    for (const path of blocked) await rm(path, { recursive: true, force: true });
    await turn(faulty, 'after the fault');
    await turn(stored, 'stored after the fault');

    server.child.kill('SIGKILL');
    await server.exited;
    server = await spawnServer(['--data', dir.path]);
    const users = async (id: string) => {
      const res = await api(server!.url, 'GET', `/api/sessions/${id}/transcript`);
      expect(res.status, res.text).toBe(200);
      return (res.json.messages as MessageEvent[]).filter((m) => m.sender === 'user').map((m) => m.content);
    };
    expect((await users(stored)).filter((c) => !c.startsWith('a turn that opens'))).toEqual(['stored before the fault', 'stored after the fault']);
    const recovered = await users(faulty);
    expect(recovered).toContain('after the fault');
    if (during.ok) expect(recovered).toContain('during the fault');
    count({ checked: 3 });
  });
});
