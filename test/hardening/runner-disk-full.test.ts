import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ack, MessageEvent, WarningEvent } from '../../schemas/protocol.ts';
import { api, call, connect, nextEvent, ok, spawnServer, tempDir } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * The disk fills up under a running runner (ENOSPC, injected by pointing the session file's temp
 * file at /dev/full, which needs no root). The write must fail with a logged error and a warning
 * or error the client sees; what was stored before stays readable; once space is back the
 * session carries on, and a restarted runner finds everything acknowledged.
 */
const dir = tempDir('hardening-diskfull-');
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

describe('disk full under a running runner', () => {
  it('fails the write visibly, damages nothing, and recovers when space is back', async () => {
    server = await spawnServer(['--data', dir.path], { LOG_LEVEL: 'warn' });
    let stderr = '';
    server.child.stderr!.on('data', (d) => (stderr += d));
    expect((await api(server.url, 'POST', '/api/graphs', { body: { graph: echoGraph('echo') } })).status).toBe(201);
    socket = await connect(server.url);
    const sessionId = ok(await call<{ session: { id: string } }>(socket, 'session:create', { graphId: 'echo' })).session.id;
    const turn = async (content: string) => {
      const end = nextEvent(socket!, 'turn_end', (e) => e.sessionId === sessionId);
      const ack = await call(socket!, 'session:send', { sessionId, content });
      return { ack, end };
    };

    const first = await turn('before the fault');
    expect(first.ack.ok).toBe(true);
    await first.end;

    const tempFile = join(dir.path, 'tenants', 'local', 'sessions', `.${sessionId}.json.tmp`);
    // A save may still be in flight after turn_end (its temp file exists until the rename).
    await expect.poll(() => symlink('/dev/full', tempFile).then(() => true, () => false)).toBe(true);
    count({ faults: 1 });
    const warnings: WarningEvent[] = [];
    socket.on('warning', (w: WarningEvent) => warnings.push(w));
    const during = await call(socket, 'session:send', { sessionId, content: 'during the fault' });
    // The client hears about it: the send is refused, or the turn's save reports a warning.
    await expect
      .poll(() => (during.ok ? warnings.map((w) => w.code) : [(during as Extract<Ack, { ok: false }>).error.code]))
      .toEqual(expect.arrayContaining([expect.stringMatching(/store_unavailable|persist_failed|checkpoint_failed/)]));
    const visible = during.ok ? warnings[0]!.message : (during as Extract<Ack, { ok: false }>).error.message;
    expect(visible).toMatch(/the disk is full/);
    await expect.poll(() => stderr).toMatch(/the disk is full/);

    // The failed write already removed its temp path; make sure space is back either way.
    await rm(tempFile, { force: true });
    const after = await turn('after the fault');
    expect(after.ack.ok).toBe(true);
    await after.end;

    server.child.kill('SIGKILL');
    await server.exited;
    server = await spawnServer(['--data', dir.path]);
    const res = await api(server.url, 'GET', `/api/sessions/${sessionId}/transcript`);
    expect(res.status, res.text).toBe(200);
    const users = (res.json.messages as MessageEvent[]).filter((m) => m.sender === 'user').map((m) => m.content);
    expect(users).toEqual(expect.arrayContaining(['before the fault', 'after the fault']));
    count({ checked: 2 });
    if (during.ok) expect(users).toContain('during the fault');
  });
});
