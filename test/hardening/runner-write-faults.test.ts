import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ack, MessageEvent, WarningEvent } from '../../schemas/protocol.ts';
import { api, call, connect, nextEvent, ok, spawnServer, tempDir } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * Writes start failing under a running runner: every file the store could create next for one
 * session is taken by a directory (EISDIR, no root needed). The write must fail with a logged
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

/** Directories where the store's next files for this session would go; returns what was blocked. */
async function blockWrites(sessionsDir: string, id: string): Promise<string[]> {
  const existing = new Set(await readdir(sessionsDir));
  const candidates = [`.${id}.json.tmp`, `${id}.log.jsonl`, `${id}.transcript.jsonl`, `.${id}.log.jsonl.tmp`, `.${id}.transcript.jsonl.tmp`];
  const blocked = candidates.filter((name) => !existing.has(name)).map((name) => join(sessionsDir, name));
  for (const path of blocked) await mkdir(path);
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

    const blocked = await blockWrites(join(dir.path, 'tenants', 'local', 'sessions'), faulty);
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
    expect(await users(stored)).toEqual(['stored before the fault', 'stored after the fault']);
    const recovered = await users(faulty);
    expect(recovered).toContain('after the fault');
    if (during.ok) expect(recovered).toContain('during the fault');
    count({ checked: 3 });
  });
});
