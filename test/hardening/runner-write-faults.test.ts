import { mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ack, InputRequestEvent, MessageEvent, TurnEndEvent, WarningEvent } from '../../schemas/protocol.ts';
import { api, call, connect, nextEvent, ok, spawnServer, tempDir } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * Writes start failing under a running runner: every journal segment the store could open next
 * is taken, by a directory (EISDIR: a folder the runner cannot write to, without root) or by a
 * symlink to /dev/full (ENOSPC: the disk is full). A write must fail with an error in the
 * runner's log and an error ack or a warning the client sees; another session stored before
 * stays intact; once the cause is gone the session carries on, and a restarted runner finds
 * every acknowledged message.
 */
const FAULTS = [
  {
    name: 'a folder the runner cannot write to (EISDIR)',
    block: (path: string) => mkdir(path),
    reason: /^could not write session "[0-9a-f-]{36}": EISDIR: illegal operation on a directory/,
  },
  {
    name: 'a full disk (ENOSPC via /dev/full)',
    block: (path: string) => symlink('/dev/full', path),
    reason: /^could not write session "[0-9a-f-]{36}": the disk is full$/,
  },
] as const;

let dir: ReturnType<typeof tempDir> | undefined;
let server: Awaited<ReturnType<typeof spawnServer>> | undefined;
let socket: Socket | undefined;

afterEach(async () => {
  socket?.disconnect();
  if (server) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  dir?.remove();
  [socket, server, dir] = [undefined, undefined, undefined];
});

const SEGMENT = /^(\d+)\.jsonl$/;

/**
 * Takes the paths of the store's next journal segments; returns what was blocked. Every session
 * write appends to the open segment; once the store's checkpoint has closed it (within about half
 * a second of a write), the next write must open a new one, and fails.
 */
async function blockJournal(
  journalDir: string,
  block: (path: string) => Promise<void>,
  poke: () => Promise<unknown>,
): Promise<string[]> {
  const segments = async () =>
    (await readdir(journalDir).catch(() => [] as string[])).flatMap((n) =>
      SEGMENT.test(n) ? [Number(SEGMENT.exec(n)![1])] : [],
    );
  let open = await segments();
  while (!open.length) {
    await poke(); // a write opens a segment
    open = await segments();
  }
  const current = Math.max(...open);
  const blocked = Array.from({ length: 50 }, (_, i) =>
    join(journalDir, `${String(current + 1 + i).padStart(12, '0')}.jsonl`),
  );
  for (const path of blocked) await block(path);
  await expect.poll(async () => (await segments()).includes(current), { timeout: 10_000 }).toBe(false);
  return blocked;
}

/** A runner on a fresh data folder, its stderr collected, with one socket. */
async function start() {
  dir = tempDir('hardening-diskfault-');
  server = await spawnServer(['--data', dir.path], { LOG_LEVEL: 'warn' });
  const log = { text: '' };
  server.child.stderr!.on('data', (d) => (log.text += d));
  socket = await connect(server.url);
  const create = async (graphId: string) =>
    ok(await call<{ session: { id: string } }>(socket!, 'session:create', { graphId })).session.id;
  const turn = async (sessionId: string, content: string) => {
    const end = nextEvent(socket!, 'turn_end', (e) => e.sessionId === sessionId);
    ok(await call(socket!, 'session:send', { sessionId, content }));
    return end;
  };
  return { log, create, turn, journal: join(dir.path, 'journal') };
}

/** Kills the runner with -9, starts another on the same folder, and reads the sessions' transcripts. */
async function restartAndRead(ids: string[]): Promise<MessageEvent[][]> {
  server!.child.kill('SIGKILL');
  await server!.exited;
  server = await spawnServer(['--data', dir!.path]);
  return Promise.all(
    ids.map(async (id) => {
      const res = await api(server!.url, 'GET', `/api/sessions/${id}/transcript`);
      expect(res.status, res.text).toBe(200);
      return res.json.messages as MessageEvent[];
    }),
  );
}

describe.each(FAULTS)('writes failing under a running runner: $name', ({ block, reason }) => {
  it('a send is refused with a clear error and logged, nothing stored is damaged, and everything carries on once the cause is gone', async () => {
    const { log, create, turn, journal } = await start();
    expect((await api(server!.url, 'POST', '/api/graphs', { body: { graph: echoGraph('echo') } })).status).toBe(201);
    const stored = await create('echo');
    await turn(stored, 'stored before the fault');
    const faulty = await create('echo');

    const blocked = await blockJournal(journal, block, () => turn(stored, 'a turn that opens a journal segment'));
    count({ faults: 1 });
    // The message is persisted before the ack, so the send itself fails: not acknowledged, not kept.
    const during = await call(socket!, 'session:send', { sessionId: faulty, content: 'during the fault' });
    expect(during.ok).toBe(false);
    expect((during as Extract<Ack, { ok: false }>).error).toMatchObject({
      code: 'store_unavailable',
      message: expect.stringMatching(reason),
    });
    await expect.poll(() => log.text).toMatch(/"msg":"request failed"/);
    expect(log.text).toMatch(/could not write session/);

    for (const path of blocked) await rm(path, { recursive: true, force: true });
    expect(await turn(faulty, 'after the fault')).toMatchObject({ reason: 'completed' });
    await turn(stored, 'stored after the fault');

    const users = (messages: MessageEvent[]) => messages.filter((m) => m.sender === 'user').map((m) => m.content);
    const [storedAfter, faultyAfter] = await restartAndRead([stored, faulty]);
    expect(users(storedAfter!).filter((c) => !c.startsWith('a turn that opens'))).toEqual([
      'stored before the fault',
      'stored after the fault',
    ]);
    expect(users(faultyAfter!)).toEqual(['after the fault']);
    count({ checked: 3 });
  });

  it("a turn's save that fails is logged and reaches the client as a persist_failed warning; the next save brings it all back", async () => {
    const { log, create, turn, journal } = await start();
    // A human in the loop holds the turn open, so the fault can start between the send's save and the turn's.
    const asking = echoGraph('ask', {
      agents: [{ id: 'ask', type: 'ask', kind: 'user', config: { prompt: 'go on?', timeoutMs: 60_000 } }],
      subscriptions: [{ id: 's1', topic: 'in', agent: 'ask' }],
      publications: [{ id: 'p1', agent: 'ask', topic: 'out' }],
    });
    for (const graph of [echoGraph('echo'), asking])
      expect((await api(server!.url, 'POST', '/api/graphs', { body: { graph } })).status).toBe(201);
    const poker = await create('echo');
    const session = await create('ask');
    const warnings: WarningEvent[] = [];
    socket!.on('warning', (w: WarningEvent) => w.sessionId === session && warnings.push(w));

    const asked = nextEvent(socket!, 'input_request', (e: InputRequestEvent) => e.sessionId === session);
    const end = nextEvent(socket!, 'turn_end', (e: TurnEndEvent) => e.sessionId === session);
    ok(await call(socket!, 'session:send', { sessionId: session, content: 'asked before the fault' }));
    const { requestId } = await asked;
    const blocked = await blockJournal(journal, block, () => turn(poker, 'a turn that opens a journal segment'));
    // An answer is acknowledged once stored: this one reached the agent but says it is not stored.
    const answer = await call(socket!, 'session:input', {
      sessionId: session,
      requestId,
      content: 'answered during the fault',
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'persist_failed' } });
    const said = 'the answer was passed on to ask but could not be stored: ';
    const { message } = (answer as { error: { message: string } }).error;
    expect(message.startsWith(said), message).toBe(true);
    expect(message.slice(said.length)).toMatch(reason);
    count({ faults: 1 });
    expect(await end).toMatchObject({ reason: 'completed' });
    await expect.poll(() => warnings.map((w) => w.code)).toContain('persist_failed');
    expect(warnings.find((w) => w.code === 'persist_failed')!.message).toMatch(reason);
    await expect
      .poll(() => log.text)
      .toMatch(
        new RegExp(`"sessionId":"${session}","code":"persist_failed","msg":"could not save a session after its turn`),
      );

    for (const path of blocked) await rm(path, { recursive: true, force: true });
    // The next send is saved before its ack, with every entry before it: the answer the failed save missed too.
    ok(await call(socket!, 'session:send', { sessionId: session, content: 'asked after the fault' }));

    const [transcript] = await restartAndRead([session]);
    expect(transcript!.map((m) => m.content)).toEqual([
      'asked before the fault',
      'answered during the fault',
      'asked after the fault',
    ]);
    count({ checked: 3 });
  });
});
