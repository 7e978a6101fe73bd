import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { GraphInput } from '../schemas/graph.ts';
import type { SessionInfo } from '../schemas/protocol.ts';
import { UTILIZATION_HEADROOM, type ProcessLoad } from '../runner/cluster/placement.ts';
import { flushPrefix } from '../runner/cluster/test-support.ts';
import { spawnServer } from '../test/helpers/spawn-runner.ts';
import { WireClient } from './wire-client.ts';

/**
 * Group `cluster`: the price of going distributed, with the scripted model. Every runner is a real
 * `switchboard serve` child process; the clients (Socket.IO's wire format, see wire-client.ts; closed
 * loop: send, wait for the turn's end, send again) run here. CPU is read from /proc/<pid>/stat for every runner and redis-server.
 * Each client is attached to the process that owns its session, as the placement put it there.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SESSIONS = 40;
const WARMUP_MS = 3000;
const MEASURE_MS = 10_000;

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

export interface Runner {
  url: string;
  child: ChildProcess;
  exited: Promise<unknown>;
  dir: string;
}

export interface Run {
  turns: number;
  seconds: number;
  cpuSeconds: number;
  /** The same per process: each runner, then redis-server. */
  cpuSplit: number[];
  roundTrips: number;
  /** The part of roundTrips that is the Socket.IO adapter's (one XADD per event, plus its reads). */
  socketioTrips: number;
  /** The clients' own CPU (this process), per turn. */
  clientCpuSeconds: number;
  /** Sessions per runner as placed, and how many changed owner by the end (their client then talks to a non-owner). */
  placed: number[];
  moved: number;
}

export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  await redis
    .connect()
    .catch((e: Error) => Promise.reject(new Error(`bench cluster needs Redis at ${REDIS_URL}: ${e.message}`)));
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
  const prefixes: string[] = [];
  const runners: Runner[] = [];
  const start = async (clustered: boolean, prefix?: string) => {
    const r = await spawnRunner(clustered ? ['--redis', REDIS_URL] : [], prefix);
    runners.push(r);
    return r;
  };

  try {
    // The embedded single process: lowdb files, no Redis.
    const embedded = await start(false);
    const base = await measure([embedded], redisPid);
    log(`embedded: ${rate(base)} turns/s, ${cpuMs(base)} ms CPU per turn`);
    await stop(embedded);

    // One cluster-mode process: the Redis store, leases, the Streams adapter.
    const one = newPrefix(prefixes);
    const single = await start(true, one);
    const c1 = await measure([single], redisPid);
    log(
      `cluster, 1 process: ${rate(c1)} turns/s, ${cpuMs(c1)} ms CPU per turn, ${(c1.roundTrips / c1.turns).toFixed(2)} Redis round trips per turn`,
    );
    await stop(single);

    // Two cluster-mode processes sharing the sessions: left to the scheduler, then a fresh pair
    // pinned one to a core (a pair pinned after a run measured ~5% slower than one pinned at start).
    const startPair = async (pin: boolean) => {
      const prefix = newPrefix(prefixes);
      const pair = [await start(true, prefix), await start(true, prefix)];
      const pinned = pin ? pinToCores(pair) : 'left to the scheduler';
      await waitForMembers(pair[0], 2);
      await waitForCalm(pair[0], log);
      return { pair, pinned };
    };
    const unpinned = await startPair(false);
    const free = await measure(unpinned.pair, redisPid);
    log(`cluster, 2 processes (${unpinned.pinned}): ${rate(free)} turns/s, ${cpuMs(free)} ms CPU per turn`);
    for (const r of unpinned.pair) await stop(r);
    const { pair, pinned } = await startPair(true);
    const c2 = await measure(pair, redisPid);
    log(
      `cluster, 2 processes (${pinned}): ${rate(c2)} turns/s, ${cpuMs(c2)} ms CPU per turn, ${(c2.roundTrips / c2.turns).toFixed(2)} Redis round trips per turn (${(c2.socketioTrips / c2.turns).toFixed(2)} of them the Socket.IO adapter's); sessions per process ${c2.placed.join('/')}, ${c2.moved} moved during the run`,
    );

    const takeoverMs = await takeover(pair);
    log(`takeover after kill -9 of the owner: ${takeoverMs} ms until a message sent to the survivor was answered`);

    return {
      cluster_cpu_per_turn_ratio: c2.cpuSeconds / c2.turns / (base.cpuSeconds / base.turns),
      cluster_scaling_2_vs_1: c2.turns / c2.seconds / (c1.turns / c1.seconds),
      cluster_scaling_2_vs_1_unpinned: free.turns / free.seconds / (c1.turns / c1.seconds),
      redis_roundtrips_per_turn: c2.roundTrips / c2.turns,
      takeover_ms_after_kill: takeoverMs,
    };
  } finally {
    for (const r of runners) await stop(r);
    for (const p of prefixes) await flushPrefix(redis, p);
    redis.disconnect();
  }
}

// ───────────────────────────── load ─────────────────────────────

/**
 * Closed-loop turns on `runners` for MEASURE_MS after a warm-up. CPU is counted for each runner,
 * then redis-server, then `more()` (read after the warm-up: Postgres backends, say).
 */
export async function measure(
  runners: Runner[],
  redisPid: number | undefined,
  more: () => Promise<number[]> = async () => [],
): Promise<Run> {
  await post(runners[0].url, '/api/graphs', { graph: ECHO }).catch(() => undefined); // already there in a shared Redis
  const urls = await ownerUrls(runners[0], runners);
  const sessions: SessionInfo[] = [];
  for (let i = 0; i < SESSIONS; i++)
    sessions.push((await post(runners[i % runners.length].url, '/api/sessions', { graphId: ECHO.id })) as SessionInfo);
  const clients = await Promise.all(sessions.map((s) => attach(urls.get(s.owner ?? '') || runners[0].url, s.id)));
  let pids = [...runners.map((r) => r.child.pid!), ...(redisPid ? [redisPid] : [])];
  let turns = 0;
  let running = true;
  const loops = clients.map(async ({ socket, sessionId }) => {
    while (running) {
      const ended = new Promise<void>((resolve) => socket.on('turn_end', () => resolve()));
      const ack = (await socket.emitWithAck('session:send', { sessionId, content: 'ping' })) as { ok: boolean };
      if (!ack.ok) throw new Error(`session:send refused: ${JSON.stringify(ack)}`);
      await ended;
      turns += 1;
    }
  });
  await sleep(WARMUP_MS);
  pids = [...pids, ...(await more())];
  const split0 = pids.map((pid) => cpuSeconds([pid]));
  const trips0 = await roundTrips(runners);
  const socketio0 = await roundTrips(runners, 'socketio');
  const turns0 = turns;
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(MEASURE_MS);
  const result: Run = {
    turns: turns - turns0,
    seconds: (performance.now() - t0) / 1000,
    clientCpuSeconds: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(client0)),
    cpuSeconds: 0,
    cpuSplit: pids.map((pid, i) => cpuSeconds([pid]) - split0[i]!),
    roundTrips: (await roundTrips(runners)) - trips0,
    socketioTrips: (await roundTrips(runners, 'socketio')) - socketio0,
    placed: [],
    moved: 0,
  };
  result.cpuSeconds = result.cpuSplit.reduce((a, b) => a + b, 0);
  running = false;
  await Promise.all(loops);
  for (const c of clients) c.socket.close();
  result.placed = runners.map((r) => sessions.filter((s) => urls.get(s.owner ?? '') === r.url).length);
  if (runners.length > 1) {
    for (const s of sessions)
      if ((await get<SessionInfo>(runners[0].url, `/api/sessions/${s.id}`)).owner !== s.owner) result.moved += 1;
  }
  // The next run, and the takeover (whose owner would take every one of them over), start without them.
  for (const s of sessions) await fetch(`${runners[0].url}/api/sessions/${s.id}`, { method: 'DELETE' });
  return result;
}

async function takeover(pair: Runner[]): Promise<number> {
  const urls = await ownerUrls(pair[0], pair);
  let session: SessionInfo;
  do session = (await post(pair[0].url, '/api/sessions', { graphId: ECHO.id })) as SessionInfo;
  while (urls.get(session.owner ?? '') !== pair[0].url);
  await post(pair[1].url, `/api/sessions/${session.id}/messages`, { content: 'before', wait: true });
  const t0 = performance.now();
  pair[0].child.kill('SIGKILL');
  await post(pair[1].url, `/api/sessions/${session.id}/messages`, { content: 'after', wait: true });
  return Math.round(performance.now() - t0);
}

async function attach(url: string, sessionId: string): Promise<{ socket: WireClient; sessionId: string }> {
  const socket = await WireClient.connect(url);
  const ack = (await socket.emitWithAck('session:join', { sessionId, events: 'chat' })) as { ok: boolean };
  if (!ack.ok) throw new Error(`join failed: ${JSON.stringify(ack)}`);
  return { socket, sessionId };
}

// ───────────────────────────── processes ─────────────────────────────

export async function spawnRunner(args: string[], prefix?: string, env: Record<string, string> = {}): Promise<Runner> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-cluster-'));
  // Each client runs a turn as fast as the runner answers: past the default 100 events/s a socket.
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      limits: {
        socket: { perSecond: 100_000, burst: 100_000 },
        socketTenant: { perSecond: 100_000, burst: 100_000 },
        handshakeTenant: { perSecond: 100_000, burst: 100_000 },
        http: { perSecond: 100_000, burst: 100_000 },
      },
    }),
  );
  const started = await spawnServer(['--data', dir, ...args], {
    SWITCHBOARD_CONFIG: config,
    ...(prefix ? { REDIS_PREFIX: prefix } : {}),
    ...env,
  });
  return { ...started, dir };
}

export async function stop(r: Runner): Promise<void> {
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await r.exited;
  rmSync(r.dir, { recursive: true, force: true });
}

/**
 * Each runner of the pair gets a core of its own (`taskset`), as docs/deploy.md advises for one
 * runner per core: left to the scheduler, two runners, Redis and the clients on 2 cores move
 * between cores all the time, and each runner spends ~20% more CPU a turn (the pair is measured
 * both ways: cluster_scaling_2_vs_1_unpinned). The single runner is left free to use the
 * machine, as one would run it. Returns how the pair runs, for the log.
 */
export function pinToCores(runners: Runner[]): string {
  const cores = availableParallelism();
  if (cores < runners.length) return `not pinned: ${cores} core(s) for ${runners.length} runners`;
  try {
    runners.forEach((r, i) =>
      execFileSync('taskset', ['-a', '-p', '-c', String(i), String(r.child.pid)], { stdio: 'ignore' }),
    );
    return 'each pinned to a core of its own';
  } catch (error) {
    return `not pinned: taskset failed (${(error as Error).message.split('\n')[0]})`;
  }
}

/**
 * Placement avoids a process whose event loop looks busy, and a runner that has just started is
 * busy compiling for a few seconds: sessions created then would all land on the older process,
 * and the rebalancer would later move some away from the clients attached to them.
 */
export async function waitForCalm(via: Runner, log: (s: string) => void): Promise<void> {
  const until = Date.now() + 20_000;
  while (
    (await get<{ processes: ProcessLoad[] }>(via.url, '/api/cluster')).processes.some(
      (p) => p.eventLoopUtilization > UTILIZATION_HEADROOM,
    )
  ) {
    if (Date.now() > until) return log('the runners still look busy 20 s after starting: placement may favour one');
    await sleep(100);
  }
}

export async function waitForMembers(via: Runner, n: number): Promise<void> {
  const until = Date.now() + 20_000;
  while ((await get<{ processes: ProcessLoad[] }>(via.url, '/api/cluster')).processes.length < n) {
    if (Date.now() > until) throw new Error(`cluster did not reach ${n} members`);
    await sleep(100);
  }
}

/** Cluster process id → the URL of that runner (matched by pid: the advertised URL may lag). */
async function ownerUrls(via: Runner, runners: Runner[]): Promise<Map<string, string>> {
  const { processes } = await get<{ processes: ProcessLoad[] }>(via.url, '/api/cluster').catch(() => ({
    processes: [] as ProcessLoad[],
  }));
  return new Map(processes.map((p) => [p.id, runners.find((r) => r.child.pid === p.pid)?.url ?? '']));
}

/** Sum over the runners of the Redis requests each counted (the embedded runner has none). */
async function roundTrips(runners: Runner[], only?: 'sessions' | 'socketio'): Promise<number> {
  let total = 0;
  for (const r of runners) {
    const text = await (await fetch(`${r.url}/metrics`)).text();
    for (const [, labels, value] of text.matchAll(/^switchboard_cluster_redis_round_trips\{([^}]*)\} (\S+)/gm)) {
      if (!only || labels.includes(`for="${only}"`)) total += Number(value);
    }
  }
  return total;
}

/** utime + stime of each process, from /proc (clock ticks of 1/100 s). */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

async function post(url: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function get<T>(url: string, path: string): Promise<T> {
  const res = await fetch(url + path);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

export function newPrefix(all: string[]): string {
  const p = `sbbench:${process.pid}:${all.length}:`;
  all.push(p);
  return p;
}

export const rate = (r: Run) => (r.turns / r.seconds).toFixed(0);
const perTurnMs = (seconds: number, r: Run) => ((seconds / r.turns) * 1000).toFixed(3);
const cpuMs = (r: Run) =>
  `${perTurnMs(r.cpuSeconds, r)} (${r.cpuSplit
    .slice(0, -1)
    .map((s) => perTurnMs(s, r))
    .join(
      ' + ',
    )} runner, ${perTurnMs(r.cpuSplit.at(-1)!, r)} redis-server; the clients ${perTurnMs(r.clientCpuSeconds, r)} more)`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
