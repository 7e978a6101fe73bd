import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import { createTestSchema, type TestSchema } from '../../runner/store/postgres/test-support.ts';
import { startGatedModel, type GatedModel } from '../cluster/helpers/gated-model.ts';
import { slowGraph } from '../cluster/helpers/cluster-fixture.ts';
import { startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres.ts';
import { api, spawnServer, tempDir } from '../integration/helpers.ts';
import { echoGraph } from './fixtures/graphs.ts';
import { count } from './harness/tally.ts';

/**
 * PostgreSQL fails under a running runner (`serve` with DATABASE_URL): its connections are
 * killed (pg_terminate_backend) mid-turn, a statement runs past
 * statement_timeout, the database restarts. A send either is acknowledged (202) or refused with
 * an error naming the cause, never `internal`; the client sends again with the same message id
 * until it is acknowledged. Afterwards every acknowledged message is in its session once, with
 * its answer, also for a runner started afresh on the database; the runner never went down.
 */

type Server = Awaited<ReturnType<typeof spawnServer>>;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function runner(databaseUrl: string): Promise<Server> {
  const dir = tempDir('hardening-pg-');
  const server = await spawnServer(['--data', dir.path], { DATABASE_URL: databaseUrl, OPENAI_API_KEY: 'test-key' });
  let stderr = '';
  server.child.stderr!.on('data', (d) => (stderr += d));
  // The runner must never go down: if it does, its last words go with the test's failure.
  void server.exited.then(
    (code) => code !== null && console.error(`the runner exited with ${code}:\n${stderr.slice(-3000)}`),
  );
  cleanups.push(
    () => dir.remove(),
    async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    },
  );
  return server;
}

async function schema(): Promise<TestSchema> {
  const s = await createTestSchema('hardening_pg');
  cleanups.push(() => s.drop());
  return s;
}

async function gate(): Promise<GatedModel> {
  const g = await startGatedModel();
  cleanups.push(() => g.close());
  return g;
}

/** Refusals seen while sending, by error code. */
type Refusals = Map<string, string[]>;

/** Sends until acknowledged (202), the same message id each time; refusals must name their cause. */
async function sendUntilAcknowledged(
  server: Server,
  sessionId: string,
  content: string,
  refusals: Refusals,
): Promise<void> {
  const body = { content, messageId: randomUUID() };
  for (let attempt = 0; attempt < 600; attempt++) {
    const res = await api(server.url, 'POST', `/api/sessions/${sessionId}/messages`, { body }).catch(
      (error: Error) => ({ status: 0, json: { error: { code: 'network', message: error.message } } }),
    );
    if (res.status === 202) return;
    const { code, message } = (res.json as { error: { code: string; message: string } }).error;
    refusals.set(code, [...(refusals.get(code) ?? []), message]);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`"${content}" was never acknowledged: ${JSON.stringify([...refusals])}`);
}

/**
 * Clients on `sessions`, each sending messages one after the other until acknowledged: `perSession`
 * of them, or while `more(session, n)` says so, `gapMs` apart; returns what each got acknowledged.
 */
async function drive(
  server: Server,
  sessions: string[],
  perSession: number | ((session: number, n: number) => boolean),
  refusals: Refusals,
  gapMs = 0,
): Promise<string[][]> {
  const more = typeof perSession === 'number' ? (_: number, n: number) => n < perSession : perSession;
  return Promise.all(
    sessions.map(async (id, s) => {
      const sent: string[] = [];
      for (let n = 0; more(s, n); n++) {
        if (n > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        await sendUntilAcknowledged(server, id, `s${s}-${n}`, refusals);
        sent.push(`s${s}-${n}`);
      }
      return sent;
    }),
  );
}

async function transcript(server: Server, id: string): Promise<MessageEvent[]> {
  const res = await api(server.url, 'GET', `/api/sessions/${id}/transcript`);
  expect(res.status, res.text).toBe(200);
  return res.json.messages as MessageEvent[];
}

/** Every acknowledged message once, in order, each with its answer; counts `checked` and `lost`. */
async function expectAllStored(
  server: Server,
  sessions: string[],
  sent: string[][],
  answer: (c: string) => string,
): Promise<void> {
  for (const [i, id] of sessions.entries()) {
    await expect
      .poll(async () => (await api(server.url, 'GET', `/api/sessions/${id}`)).json as SessionInfo, { timeout: 30_000 })
      .toMatchObject({ state: 'idle', turns: sent[i]!.length });
    const messages = await transcript(server, id);
    const users = messages.filter((m) => m.sender === 'user').map((m) => m.content);
    count({ checked: sent[i]!.length, lost: sent[i]!.filter((c) => !users.includes(c)).length });
    expect(users).toEqual(sent[i]);
    for (const user of messages.filter((m) => m.sender === 'user'))
      expect(messages.filter((m) => m.turnId === user.turnId && m.sender !== 'user').map((m) => m.content)).toEqual([
        answer(user.content),
      ]);
  }
}

/** Every refusal names a store problem, never an internal error. */
function expectClearRefusals(refusals: Refusals): void {
  for (const [code, messages] of refusals) {
    expect(['store_unavailable', 'stale_fence', 'store_conflict'], `${code}: ${messages[0]}`).toContain(code);
    for (const message of messages) expect(message).toMatch(/session|PostgreSQL|database/i);
  }
}

/** Creates sessions, each again until the store takes it (a refusal must name its cause). */
async function createSessions(
  server: Server,
  graphId: string,
  n: number,
  refusals: Refusals = new Map(),
): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < n) {
    const res = await api(server.url, 'POST', '/api/sessions', { body: { graphId } });
    if (res.status === 201) ids.push((res.json as SessionInfo).id);
    else {
      const { code, message } = (res.json as { error: { code: string; message: string } }).error;
      refusals.set(code, [...(refusals.get(code) ?? []), message]);
      expect(refusals.get(code)!.length, `session creation refused: ${code}: ${message}`).toBeLessThan(100);
    }
  }
  return ids;
}

async function restartRunner(server: Server, databaseUrl: string): Promise<Server> {
  server.child.kill('SIGKILL');
  await server.exited;
  return runner(databaseUrl);
}

describe('PostgreSQL failing under a running runner', () => {
  it('connections killed mid-turn: the turn finishes, the runner carries on, nothing acknowledged is lost', async () => {
    const db = await schema();
    const application = `sb-hardening-${process.pid}`;
    const url = `${db.url}?search_path=${db.schema}&application_name=${application}`;
    const g = await gate();
    let server = await runner(url);
    for (const graph of [echoGraph('echo'), slowGraph(g.baseURL)])
      expect((await api(server.url, 'POST', '/api/graphs', { body: { graph } })).status).toBe(201);
    const terminate = async () =>
      (
        await db.sql<
          { killed: boolean }[]
        >`SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = ${application}`
      ).filter((r) => r.killed).length;

    // Mid-turn: the turn waits in the model while every connection of the runner is killed.
    const [slow] = await createSessions(server, 'slow', 1);
    g.hold = true;
    expect(
      (await api(server.url, 'POST', `/api/sessions/${slow}/messages`, { body: { content: 'held' } })).status,
    ).toBe(202);
    await g.waitForRequests(1);
    expect(await terminate()).toBeGreaterThan(0);
    count({ faults: 1 });
    g.hold = false;
    g.releaseAll();

    // Then the runner carries on: new sessions and sends, on fresh connections.
    const refusals: Refusals = new Map();
    const echo = await createSessions(server, 'echo', 3, refusals);
    const sent = await drive(server, echo, 3, refusals);
    expectClearRefusals(refusals);
    await expectAllStored(server, [slow!], [['held']], (c) => `done: ${c}`);
    await expectAllStored(server, echo, sent, (c) => `echo: ${c}`);

    server = await restartRunner(server, url);
    await expectAllStored(server, [slow!, ...echo], [['held'], ...sent], (c) =>
      c === 'held' ? `done: ${c}` : `echo: ${c}`,
    );
  });

  it('a statement past statement_timeout: the send is refused naming the timeout, and goes through once the database answers', async () => {
    const db = await schema();
    const url = `${db.url}?search_path=${db.schema}&statement_timeout=3000`;
    const server = await runner(url);
    expect((await api(server.url, 'POST', '/api/graphs', { body: { graph: echoGraph('echo') } })).status).toBe(201);
    const [id] = await createSessions(server, 'echo', 1);
    await drive(server, [id!], 1, new Map());

    // Another transaction holds the session's row: the runner's write waits past its timeout.
    let release!: () => void;
    const locked = new Promise<void>((ok) => (release = ok));
    const holding = new Promise<void>((held) => {
      const transaction = db.sql.begin(async (tx) => {
        await tx`SELECT 1 FROM sessions WHERE id = ${id!} FOR UPDATE`;
        held();
        await locked;
      });
      cleanups.push(() => (release(), transaction.catch(() => undefined)));
    });
    await holding;
    const body = { content: 'during the lock', messageId: randomUUID() };
    const refused = await api(server.url, 'POST', `/api/sessions/${id}/messages`, { body });
    count({ faults: 1 });
    expect(refused.status, refused.text).toBe(503);
    expect(refused.json.error).toMatchObject({
      code: 'store_unavailable',
      message: expect.stringMatching(/statement timeout/),
    });
    release();
    const refusals: Refusals = new Map();
    await sendUntilAcknowledged(server, id!, body.content, refusals);
    expectClearRefusals(refusals);
    await expectAllStored(server, [id!], [['s0-0', 'during the lock']], (c) => `echo: ${c}`);
  });

  it('the database restarted (a throwaway cluster, stopped as by a crash): sends retry, nothing acknowledged is lost', async () => {
    const pg = await startOwnPostgres();
    cleanups.push(() => pg.stop());
    let server = await runner(pg.url);
    expect((await api(server.url, 'POST', '/api/graphs', { body: { graph: echoGraph('echo') } })).status).toBe(201);
    const echo = await createSessions(server, 'echo', 3);
    const refusals: Refusals = new Map();
    // Each client sends until the restart is over and then a few more, so on a quiet machine
    // too the outage falls among the sends: none may finish before it.
    let restarted = false;
    const sentBeforeEnd: number[] = [];
    const more = (s: number, n: number) => {
      if (!restarted) sentBeforeEnd[s] = n;
      return n < sentBeforeEnd[s]! + 5;
    };
    const driving = drive(server, echo, more, refusals, 10);
    await new Promise((r) => setTimeout(r, 500));
    await pg.restart(1000);
    restarted = true;
    count({ faults: 1 });
    const sent = await driving;
    expect(refusals.size, 'the restart refused some sends').toBeGreaterThan(0);
    expectClearRefusals(refusals);
    await expectAllStored(server, echo, sent, (c) => `echo: ${c}`);
    server = await restartRunner(server, pg.url);
    await expectAllStored(server, echo, sent, (c) => `echo: ${c}`);
    // A client checks the store over a connection of its own too.
    const direct = postgres(pg.url, { max: 1, onnotice: () => undefined });
    cleanups.push(() => direct.end({ timeout: 1 }));
    const [{ n }] = await direct<{ n: string }[]>`SELECT count(*) AS n FROM transcript_entries`;
    expect(Number(n)).toBe(sent.flat().length * 2);
  });
});
