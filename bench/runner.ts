import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import type { GraphInput } from '../schemas/graph.ts';
import { Graph } from '../schemas/graph.ts';
import type { MessageEvent, SessionInfo } from '../schemas/protocol.ts';
import { createCore, startRunner, type Core } from '../runner/app.ts';
import { LOCAL_TENANT, parseConfig } from '../runner/config.ts';
import { LowdbStore } from '../runner/store/lowdb-store.ts';

/**
 * Group `runner`: end-to-end turns over Socket.IO against a bare Socket.IO round trip, scaling,
 * persistence cost against the number of stored sessions, idle memory and CPU, and the same
 * three-agent conversation in LangGraph.js. Servers run in child processes (this file, started
 * with SB_BENCH_ROLE); the clients run here, so they never share an event loop with a server.
 */

const SELF = fileURLToPath(import.meta.url);
const caller = { tenant: LOCAL_TENANT };

// ───────────────────────────── graphs ─────────────────────────────

/** One scripted assistant, no streaming: the turn the e2e figures measure. */
const ECHO: GraphInput = {
  format: 'switchboard/graph',
  version: 1,
  id: 'bench-echo',
  name: 'Bench echo',
  models: [{ id: 'm', provider: 'scripted', fallback: 'ok: {input}' }],
  agents: [{ id: 'echo', type: 'echo', kind: 'assistant', config: { model: 'm', stream: false } }],
  topics: [
    { id: 'in', type: 'bench.in' },
    { id: 'out', type: 'bench.out' },
  ],
  subscriptions: [{ id: 's1', topic: 'in', agent: 'echo' }],
  publications: [{ id: 'p1', agent: 'echo', topic: 'out' }],
  entry: 'in',
  output: ['out'],
};

/** planner → researcher → writer, each with a fixed scripted reply: the LangGraph comparison. */
const THREE_AGENTS: GraphInput = {
  format: 'switchboard/graph',
  version: 1,
  id: 'bench-three',
  name: 'Bench three agents',
  models: [
    { id: 'planner-m', provider: 'scripted', fallback: 'Plan: look it up, then write it down.' },
    { id: 'researcher-m', provider: 'scripted', fallback: 'Findings: three facts worth telling.' },
    { id: 'writer-m', provider: 'scripted', fallback: 'Answer: here are the three facts, plainly.' },
  ],
  agents: [
    { id: 'planner', type: 'planner', kind: 'assistant', config: { model: 'planner-m', stream: false } },
    { id: 'researcher', type: 'researcher', kind: 'assistant', config: { model: 'researcher-m', stream: false } },
    { id: 'writer', type: 'writer', kind: 'assistant', config: { model: 'writer-m', stream: false } },
  ],
  topics: [
    { id: 'ask', type: 'three.ask' },
    { id: 'plan', type: 'three.plan' },
    { id: 'facts', type: 'three.facts' },
    { id: 'answer', type: 'three.answer' },
  ],
  subscriptions: [
    { id: 's1', topic: 'ask', agent: 'planner' },
    { id: 's2', topic: 'plan', agent: 'researcher' },
    { id: 's3', topic: 'facts', agent: 'writer' },
  ],
  publications: [
    { id: 'p1', agent: 'planner', topic: 'plan' },
    { id: 'p2', agent: 'researcher', topic: 'facts' },
    { id: 'p3', agent: 'writer', topic: 'answer' },
  ],
  entry: 'ask',
  output: ['answer'],
};
const SCRIPT = ['Plan: look it up, then write it down.', 'Findings: three facts worth telling.', 'Answer: here are the three facts, plainly.'];

async function putGraph(core: Pick<Core, 'store'>, input: GraphInput): Promise<void> {
  const graph = Graph.parse(input);
  await core.store.putGraph({ tenant: LOCAL_TENANT, id: graph.id, version: 1, graph, draft: false, updatedAt: Date.now() });
}

// ───────────────────────────── child processes ─────────────────────────────

/** Runs in a child: a runner (or a bare Socket.IO echo server) that prints its URL. */
async function serve(role: string): Promise<void> {
  // The parent asks for this process's CPU time, to compare server cost per operation.
  process.on('message', (m) => m === 'cpu' && process.send?.(process.cpuUsage()));
  if (role === 'bare' || role === 'floor') {
    const http = createServer();
    const server = new Server(http, { serveClient: false });
    server.on('connection', (socket) => (role === 'bare' ? socket.on('ping', (payload: unknown, ack: (r: unknown) => void) => ack({ ok: true, payload })) : floorTurns(server, socket)));
    http.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` })}\n`));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-server-'));
  const runner = await startRunner({
    config: parseConfig({
      port: 0,
      dataDir: dir,
      logLevel: 'error',
      designerDir: join(dir, 'none'),
      limits: { socket: { perSecond: 100_000, burst: 100_000 }, http: { perSecond: 100_000, burst: 100_000 } },
    }),
  });
  await putGraph(runner, ECHO);
  process.stdout.write(`${JSON.stringify({ url: runner.url })}\n`);
  process.once('SIGTERM', () => void runner.close().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }));
}

/**
 * The protocol's floor: a Socket.IO server that runs no agent and stores nothing, but answers
 * session:create and session:send with the frames a real turn sends a chat client (the ack, the
 * user's message, the reply a macrotask later, the turn end), shaped like the runner's. No server
 * can serve this event stream faster, so it shows how much of the bare round trip's rate a turn
 * can reach at all on this machine, and how far the runner is from it.
 */
function floorTurns(server: Server, socket: ServerSocket): void {
  socket.on('session:create', (_payload: unknown, ack: (r: unknown) => void) => {
    const id = randomUUID();
    void socket.join(`s:${id}`);
    ack({ ok: true, session: { id } });
  });
  socket.on('session:send', ({ sessionId, content }: { sessionId: string; content: string }, ack: (r: unknown) => void) => {
    const room = server.to(`s:${sessionId}`);
    const [messageId, turnId] = [randomUUID(), randomUUID()];
    const message = (id: string, type: string, sender: string, text: string, output: boolean): MessageEvent => ({
      sessionId, id, turnId, topic: { type, source: sessionId }, sender, recipients: output ? [] : ['echo'],
      role: sender === 'user' ? 'user' : 'assistant', content: text, output, time: Date.now(),
    });
    room.emit('message', message(messageId, 'bench.in', 'user', content, false));
    ack({ ok: true, messageId, turnId });
    setImmediate(() => {
      room.emit('message', message(randomUUID(), 'bench.out', 'echo', `ok: ${content}`, true));
      room.emit('turn_end', { sessionId, turnId, reason: 'completed', time: Date.now(), usage: { promptTokens: 3, completionTokens: 2, cost: 0, estimated: true } });
    });
  });
}

interface Served {
  url: string;
  child: ChildProcess;
  /** CPU time (user + system) the server process has used so far, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

async function spawnRole(role: 'runner' | 'bare' | 'floor'): Promise<Served> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SELF], { env: { ...process.env, SB_BENCH_ROLE: role, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`bench ${role} server exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const cpuMs = () =>
    new Promise<number>((resolve) => {
      child.once('message', (u) => resolve(((u as NodeJS.CpuUsage).user + (u as NodeJS.CpuUsage).system) / 1000));
      child.send('cpu');
    });
  return { url, child, cpuMs, stop: () => (child.kill('SIGTERM'), exited) };
}

// ───────────────────────────── client-side measurements ─────────────────────────────

async function connectMany(url: string, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, () => {
        const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
        return new Promise<Socket>((ok, fail) => {
          s.once('connect', () => ok(s));
          s.once('connect_error', fail);
        });
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

/** Runs `step` in a closed loop on every client; counts completions inside the measured window. */
async function closedLoop(clients: number, step: (i: number) => Promise<void>, warmupMs: number, measureMs: number): Promise<number> {
  let counting = false;
  let done = 0;
  let stop = false;
  const loops = Array.from({ length: clients }, async (_, i) => {
    while (!stop) {
      await step(i);
      if (counting) done++;
    }
  });
  await sleep(warmupMs);
  counting = true;
  const started = performance.now();
  await sleep(measureMs);
  counting = false;
  const elapsed = performance.now() - started;
  stop = true;
  await Promise.all(loops);
  return (done / elapsed) * 1000;
}

/** Operations per second, and server CPU µs per operation over the same window. */
interface Rate {
  perSecond: number;
  serverCpuUs: number;
  /** CPU µs the client process spent per operation: shows when the clients, not the server, are the limit. */
  clientCpuUs: number;
}

/**
 * A closed loop of n clients has a per-operation latency of n / rate: at 1000 sessions a turn can
 * take seconds, so the warm-up and window grow with n or the window would end before any turn.
 */
async function measured(server: Served, clients: number, step: (i: number) => Promise<void>): Promise<Rate> {
  const warmupMs = clients > 100 ? 4000 : 1000;
  const windowMs = clients > 100 ? 8000 : 3000;
  let cpuAtStart = 0;
  let ops = 0;
  let cpuAtEnd = 0;
  let clientAtStart = process.cpuUsage();
  const counting = async (i: number) => {
    await step(i);
    ops++;
  };
  const started = sleep(warmupMs).then(async () => {
    ops = 0;
    clientAtStart = process.cpuUsage();
    cpuAtStart = await server.cpuMs();
  });
  const perSecond = await closedLoop(clients, counting, warmupMs, windowMs);
  await started;
  cpuAtEnd = await server.cpuMs();
  const client = process.cpuUsage(clientAtStart);
  const n = Math.max(1, ops);
  return { perSecond, serverCpuUs: ((cpuAtEnd - cpuAtStart) * 1000) / n, clientCpuUs: (client.user + client.system) / n };
}

/** Connected clients ready to run one operation each in a closed loop. */
interface Clients {
  size: number;
  step(i: number): Promise<void>;
  close(): void;
}

async function bareClients(server: Served, clients: number): Promise<Clients> {
  const sockets = await connectMany(server.url, clients);
  return {
    size: clients,
    step: (i) => sockets[i].emitWithAck('ping', { n: i }).then(() => undefined),
    close: () => sockets.forEach((s) => s.disconnect()),
  };
}

/**
 * One session per client; a step is a turn: session:send in, the echo agent's reply message back.
 * The clients join as chat clients (`events: 'chat'`): they get the messages and turn ends a chat
 * window shows, not the designer's trace of agent activity and usage.
 */
async function turnClients(server: Served, sessions: number): Promise<Clients> {
  const sockets = await connectMany(server.url, sessions);
  const ids = await Promise.all(
    sockets.map(async (s) => {
      const ack = (await s.emitWithAck('session:create', { graphId: 'bench-echo', events: 'chat' })) as { ok: boolean; session: SessionInfo };
      if (!ack.ok) throw new Error(`session:create failed: ${JSON.stringify(ack)}`);
      return ack.session.id;
    }),
  );
  const waiting: Array<(() => void) | undefined> = [];
  sockets.forEach((s, i) =>
    s.on('message', (m: MessageEvent) => {
      if (m.output && m.sender !== 'user') waiting[i]?.();
    }),
  );
  let n = 0;
  const step = (i: number) =>
    new Promise<void>((resolve, reject) => {
      waiting[i] = resolve;
      sockets[i].emitWithAck('session:send', { sessionId: ids[i], content: `m${n++}` }).then((ack: { ok: boolean }) => {
        if (!ack.ok) reject(new Error(`session:send failed: ${JSON.stringify(ack)}`));
      }, reject);
    });
  // Every session runs one turn first, so agents exist and the graph is loaded before timing.
  await Promise.all(ids.map((_, i) => step(i)));
  return { size: sessions, step, close: () => sockets.forEach((s) => s.disconnect()) };
}

/**
 * Measures several client sets in alternating rounds (A, B, A, B…) so a change in machine load
 * hits every set alike; returns the median rate of each set.
 */
async function alternating(sets: Array<{ name: string; server: Served; clients: Clients }>, rounds: number, log: (s: string) => void): Promise<Rate[]> {
  const runs: Rate[][] = sets.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [k, set] of sets.entries()) runs[k].push(await measured(set.server, set.clients.size, set.clients.step));
  }
  return sets.map((set, k) => {
    const pick = (f: (x: Rate) => number) => median(runs[k].map(f));
    const rate = { perSecond: pick((x) => x.perSecond), serverCpuUs: pick((x) => x.serverCpuUs), clientCpuUs: pick((x) => x.clientCpuUs) };
    log(
      `${set.name}: ${rate.perSecond.toFixed(0)}/s (median of ${rounds}; ${runs[k].map((x) => x.perSecond.toFixed(0)).join(', ')}), ` +
        `CPU per operation ${rate.serverCpuUs.toFixed(0)} µs server, ${rate.clientCpuUs.toFixed(0)} µs clients`,
    );
    return rate;
  });
}

// ───────────────────────────── in-process measurements ─────────────────────────────

function core(dir: string, overrides: Record<string, unknown> = {}): Core {
  return createCore(parseConfig({ dataDir: dir, logLevel: 'error', ...overrides }));
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The embedded store holds its last writes in memory until its next checkpoint: memory is measured after it. */
async function flushed(c: Core): Promise<void> {
  if (c.store instanceof LowdbStore) await c.store.flush();
}

async function turn(c: Core, id: string, content: string): Promise<void> {
  await c.sessions.send(caller, id, { content });
  await c.sessions.settled(caller, id);
}

async function createSessions(c: Core, graphId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => c.sessions.create(caller, { graphId })));
    ids.push(...batch.map((s) => s.id));
  }
  return ids;
}

/** Mean ms per persisted turn (send, run, persist) over `turns` sequential turns. */
async function persistedTurnMs(c: Core, ids: string[], turns: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < turns; i++) await turn(c, ids[i % ids.length], `t ${i}`);
  return (performance.now() - started) / turns;
}

/**
 * Two stores side by side, one holding 100 sessions and one 10,000; turns on 100 sessions of
 * each are timed in alternating rounds so machine noise hits both alike, medians compared.
 */
async function persistCost(log: (s: string) => void): Promise<number> {
  return withTempDir(async (dir) => {
    const small = core(join(dir, 'small'));
    const large = core(join(dir, 'large'));
    try {
      for (const c of [small, large]) await putGraph(c, ECHO);
      const probeSmall = await createSessions(small, 'bench-echo', 100);
      const probeLarge = await createSessions(large, 'bench-echo', 100);
      await createSessions(large, 'bench-echo', 9_900);
      // Steady state: the large store's first checkpoint of 10,000 new sessions is done.
      for (const c of [small, large]) await flushed(c);
      await persistedTurnMs(small, probeSmall, 100);
      await persistedTurnMs(large, probeLarge, 100);
      const at100: number[] = [];
      const at10k: number[] = [];
      for (let round = 0; round < 5; round++) {
        at100.push(await persistedTurnMs(small, probeSmall, 100));
        at10k.push(await persistedTurnMs(large, probeLarge, 100));
      }
      const [m100, m10k] = [median(at100), median(at10k)];
      log(`persisted turn (median of 5 rounds): ${m100.toFixed(3)} ms with 100 stored sessions, ${m10k.toFixed(3)} ms with 10,000`);
      return m10k / m100;
    } finally {
      await small.close();
      await large.close();
    }
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function heapUsed(): number {
  for (let i = 0; i < 4; i++) globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

async function heapPerIdleSession(log: (s: string) => void): Promise<number> {
  return withTempDir(async (dir) => {
    const c = core(dir, { idleTimeoutMs: 200 });
    try {
      await putGraph(c, ECHO);
      const warm = await createSessions(c, 'bench-echo', 50);
      for (const id of warm) await turn(c, id, 'warm');
      await sleep(600);
      const before = heapUsed();
      const n = 2000;
      const ids = await createSessions(c, 'bench-echo', n);
      for (let i = 0; i < n; i += 100) await Promise.all(ids.slice(i, i + 100).map((id) => turn(c, id, 'hello')));
      await sleep(800);
      await flushed(c);
      const after = heapUsed();
      const perSession = Math.max(0, after - before) / n;
      log(`heap after ${n} sessions ran one turn and went idle: ${((after - before) / 1024).toFixed(0)} KiB total, ${perSession.toFixed(0)} B/session (stats ${JSON.stringify(c.sessions.stats())})`);
      return perSession;
    } finally {
      await c.close();
    }
  });
}

/** A second with less CPU than this after the burst: the runner's own work for it is done. */
const SETTLED_MS_PER_S = 5;

/**
 * CPU of a runner process (a fresh child, nothing else in it) holding 1000 sessions that each
 * ran one turn, over 10 quiet seconds once it has settled (its store has written the turns to
 * the session files), read from the process itself. The settling seconds are printed.
 */
async function idleCpu(log: (s: string) => void): Promise<number> {
  const server = await spawnRole('runner');
  try {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string };
    };
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const { id } = await post('/api/sessions', { graphId: 'bench-echo' });
          await post(`/api/sessions/${id}/messages`, { content: 'hello', wait: true });
        }),
      );
    }
    // The turns' last writes reach the session files in a checkpoint after the burst: idle
    // starts once that is done, seen as a second in which the process does (almost) nothing.
    const settling: number[] = [];
    let probe = await server.cpuMs();
    do {
      await sleep(1000);
      const now = await server.cpuMs();
      settling.push(now - probe);
      probe = now;
    } while (settling.at(-1)! >= SETTLED_MS_PER_S && settling.length < 20);
    const before = await server.cpuMs();
    await sleep(10_000);
    const ms = (await server.cpuMs()) - before;
    const stats = (await (await fetch(`${server.url}/api/health`)).json()) as { stats: unknown };
    log(`idle runner process with 1000 sessions, 10 s: ${ms.toFixed(1)} ms CPU, after ${settling.length} s settling (${settling.map((x) => x.toFixed(0)).join(', ')} ms CPU per second) (stats ${JSON.stringify(stats.stats)})`);
    return ms;
  } finally {
    await server.stop();
  }
}

// ───────────────────────────── LangGraph.js comparison ─────────────────────────────

interface Conversation {
  name: string;
  /** Creates the per-session state (a session or a thread id). */
  open(i: number): Promise<string>;
  turn(id: string, content: string): Promise<void>;
  /** Waits for writes still on their way to storage (the embedded store's journal checkpoint). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

async function ours(dir: string): Promise<Conversation> {
  const c = core(dir);
  await putGraph(c, THREE_AGENTS);
  return {
    name: 'switchboard',
    open: async () => (await c.sessions.create(caller, { graphId: 'bench-three' })).id,
    turn: (id, content) => turn(c, id, content),
    settle: () => flushed(c),
    close: () => c.close(),
  };
}

async function langgraph(): Promise<Conversation> {
  const { StateGraph, MessagesAnnotation, MemorySaver, START, END } = await import('@langchain/langgraph');
  const { AIMessage, HumanMessage } = await import('@langchain/core/messages');
  const reply = (text: string, name: string) => () => ({ messages: [new AIMessage({ content: text, name })] });
  const app = new StateGraph(MessagesAnnotation)
    .addNode('planner', reply(SCRIPT[0], 'planner'))
    .addNode('researcher', reply(SCRIPT[1], 'researcher'))
    .addNode('writer', reply(SCRIPT[2], 'writer'))
    .addEdge(START, 'planner')
    .addEdge('planner', 'researcher')
    .addEdge('researcher', 'writer')
    .addEdge('writer', END)
    .compile({ checkpointer: new MemorySaver() });
  return {
    name: 'langgraph',
    open: async (i) => `thread-${i}`,
    turn: async (id, content) => {
      await app.invoke({ messages: [new HumanMessage(content)] }, { configurable: { thread_id: id } });
    },
    settle: async () => undefined, // MemorySaver keeps everything in memory
    close: async () => undefined,
  };
}

/** Turns per second with `sessions` new conversations running concurrently for `rounds` rounds. */
async function throughput(conv: Conversation, sessions: number, rounds: number, batch: number): Promise<number> {
  const ids = await Promise.all(Array.from({ length: sessions }, (_, i) => conv.open(batch * sessions + i)));
  await Promise.all(ids.map((id) => conv.turn(id, 'warm up')));
  const started = performance.now();
  for (let r = 0; r < rounds; r++) await Promise.all(ids.map((id) => conv.turn(id, `question ${r}`)));
  return ((sessions * rounds) / (performance.now() - started)) * 1000;
}

/** Heap growth per session after 5 turns each. */
async function memoryPerSession(make: () => Promise<Conversation>, sessions: number): Promise<number> {
  const conv = await make();
  await conv.turn(await conv.open(-1), 'warm up');
  await sleep(200);
  const before = heapUsed();
  const ids = await Promise.all(Array.from({ length: sessions }, (_, i) => conv.open(i)));
  for (let r = 0; r < 5; r++) {
    for (let i = 0; i < ids.length; i += 100) await Promise.all(ids.slice(i, i + 100).map((id) => conv.turn(id, `question ${r}`)));
  }
  await conv.settle();
  await sleep(500);
  const after = heapUsed();
  await conv.close();
  return Math.max(0, after - before) / sessions;
}

// ───────────────────────────── the group ─────────────────────────────

export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};

  const bare = await spawnRole('bare');
  const floor = await spawnRole('floor');
  const server = await spawnRole('runner');
  try {
    const bare100 = await bareClients(bare, 100);
    const floor100 = await turnClients(floor, 100);
    const turns100 = await turnClients(server, 100);
    const [bareRate, floorRate, at100] = await alternating(
      [
        { name: 'bare Socket.IO emit+ack, 100 clients', server: bare, clients: bare100 },
        { name: "a turn's frames with no work behind them, 100 sessions", server: floor, clients: floor100 },
        { name: 'runner turns (send → reply), 100 sessions', server, clients: turns100 },
      ],
      3,
      log,
    );
    bare100.close();
    floor100.close();
    const turns1000 = await turnClients(server, 1000);
    const [again100, at1000] = await alternating(
      [
        { name: 'runner turns (send → reply), 100 sessions', server, clients: turns100 },
        { name: 'runner turns (send → reply), 1000 sessions', server, clients: turns1000 },
      ],
      3,
      log,
    );
    turns100.close();
    turns1000.close();
    figures.e2e_ratio_vs_bare_socketio_100 = at100.perSecond / bareRate.perSecond;
    figures.protocol_floor_ratio_100 = floorRate.perSecond / bareRate.perSecond;
    figures.e2e_ratio_vs_floor_100 = at100.perSecond / floorRate.perSecond;
    figures.scaling_ratio_1000_vs_100 = at1000.perSecond / again100.perSecond;
    figures.e2e_turns_per_s_100 = at100.perSecond;
    figures.e2e_turns_per_s_1000 = at1000.perSecond;
    figures.bare_socketio_round_trips_per_s_100 = bareRate.perSecond;
    figures.e2e_server_cpu_us_per_turn_100 = at100.serverCpuUs;
    figures.bare_server_cpu_us_per_round_trip_100 = bareRate.serverCpuUs;
  } finally {
    await bare.stop();
    await floor.stop();
    await server.stop();
  }

  figures.persist_cost_ratio_10k_vs_100 = await persistCost(log);
  figures.heap_bytes_per_idle_session = await heapPerIdleSession(log);
  figures.idle_cpu_ms_1000_sessions_10s = await idleCpu(log);

  const [oursRate, lgRate] = await withTempDir(async (dir) => {
    const mine = await ours(dir);
    const theirs = await langgraph();
    try {
      const rates: [number[], number[]] = [[], []];
      for (let r = 0; r < 3; r++) {
        rates[0].push(await throughput(mine, 100, 5, r));
        rates[1].push(await throughput(theirs, 100, 5, r));
      }
      return [median(rates[0]), median(rates[1])];
    } finally {
      await mine.close();
    }
  });
  log(`three-agent turns/s (median of 3 alternating rounds): switchboard ${oursRate.toFixed(0)}, langgraph ${lgRate.toFixed(0)}`);
  figures.throughput_ratio_vs_langgraph = oursRate / lgRate;

  const oursMem = await withTempDir((dir) => memoryPerSession(() => ours(dir), 300));
  const lgMem = await memoryPerSession(langgraph, 300);
  log(`heap per session after 5 turns: switchboard ${oursMem.toFixed(0)} B, langgraph ${lgMem.toFixed(0)} B`);
  figures.memory_ratio_vs_langgraph = oursMem / lgMem;
  figures.three_agent_turns_per_s_switchboard = oursRate;
  figures.three_agent_turns_per_s_langgraph = lgRate;
  Object.assign(figures, await (await import('./stream.ts')).run(log), await (await import('./openai-turn.ts')).run(log), await (await import('./drift.ts')).run(log));
  return figures;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

if (process.env.SB_BENCH_ROLE && process.argv[1] === SELF) await serve(process.env.SB_BENCH_ROLE);
