import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { echoGraph } from '../runner/sessions/test-support.ts';
import { spawnServer } from '../test/helpers/spawn-runner.ts';

/**
 * `otel_overhead_ratio`: turns per second of a runner exporting every turn's trace (OTLP/HTTP
 * to a local receiver, the SDK's batch processor) over the same runner with tracing off. Two
 * `switchboard serve` processes, measured in alternating rounds in the same run; the clients
 * run here. The export is JSON, so the receiver can count spans without a protobuf decoder;
 * it costs the runner at least what the default protobuf does.
 */

const SESSIONS = 50;
const ROUNDS = 5;
const WARMUP_MS = 1000;
const WINDOW_MS = 3000;
const SPAN_KEY = Buffer.from('"spanId"');

/**
 * An OTLP/HTTP endpoint that counts the spans it gets without decoding them (it shares this
 * process with the clients): a batch processor that drops spans would look cheaper than it is.
 */
async function sink(): Promise<{ endpoint: string; spans: () => number; close(): Promise<void> }> {
  let spans = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      for (let at = body.indexOf(SPAN_KEY); at >= 0; at = body.indexOf(SPAN_KEY, at + SPAN_KEY.length)) spans++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

interface Child {
  url: string;
  /** CPU time (user + system) the runner process has used so far, in µs, from its own /metrics. */
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

/** A runner with the echo graph and no rate limits in the way; traced when `env` says so. */
async function spawnRunner(env: NodeJS.ProcessEnv): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-otel-'));
  const config = join(dir, 'config.json');
  const unlimited = { perSecond: 100_000, burst: 100_000 };
  writeFileSync(
    config,
    JSON.stringify({
      limits: { socket: unlimited, socketTenant: unlimited, handshakeTenant: unlimited, http: unlimited },
    }),
  );
  const { url, child, exited } = await spawnServer(['--data', dir], { ...env, SWITCHBOARD_CONFIG: config });
  const res = await fetch(`${url}/api/graphs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph: echoGraph('bench-otel') }),
  });
  if (!res.ok) throw new Error(`the bench graph was refused: ${await res.text()}`);
  const cpuUs = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^switchboard_process_cpu_seconds_total (\S+)$/m.exec(text)?.[1]) * 1e6;
  };
  return {
    url,
    cpuUs,
    stop: async () => (child.kill('SIGTERM'), await exited, rmSync(dir, { recursive: true, force: true })),
  };
}

/** One socket per session; `turn(i)` sends a message in session i and resolves at its turn_end. */
async function sessions(url: string): Promise<{ turn(i: number): Promise<void>; close(): void }> {
  const sockets: Socket[] = [];
  const ids: string[] = [];
  const waiting = new Map<string, () => void>();
  /** Turns that ended before their send's ack came back. */
  const early = new Set<string>();
  for (let i = 0; i < SESSIONS; i++) {
    const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((ok, fail) => (s.once('connect', () => ok()), s.once('connect_error', fail)));
    const ack = (await s.emitWithAck('session:create', { graphId: 'bench-otel', events: 'chat' })) as {
      ok: boolean;
      session: { id: string };
    };
    if (!ack.ok) throw new Error(`session:create failed: ${JSON.stringify(ack)}`);
    s.on('turn_end', (e: { turnId: string }) => {
      const wake = waiting.get(e.turnId);
      if (wake) wake();
      else early.add(e.turnId);
    });
    sockets.push(s);
    ids.push(ack.session.id);
  }
  return {
    async turn(i) {
      const ack = (await sockets[i]!.emitWithAck('session:send', { sessionId: ids[i], content: 'hello' })) as {
        ok: boolean;
        turnId: string;
      };
      if (!ack.ok) throw new Error(`session:send failed: ${JSON.stringify(ack)}`);
      if (early.delete(ack.turnId)) return;
      await new Promise<void>((ended) => waiting.set(ack.turnId, ended));
      waiting.delete(ack.turnId);
    },
    close: () => sockets.forEach((s) => s.disconnect()),
  };
}

/**
 * Turns per second over a window after a warm-up, every session in a closed loop, and the
 * runner's CPU µs per turn in that window (steadier than a rate on a shared machine); `turns` counts all.
 */
async function rate(
  runner: Child,
  clients: Awaited<ReturnType<typeof sessions>>,
  turns = { n: 0 },
): Promise<{ perSecond: number; cpuUsPerTurn: number }> {
  let counting = false;
  let done = 0;
  let stop = false;
  const loops = Array.from({ length: SESSIONS }, async (_, i) => {
    while (!stop) {
      await clients.turn(i);
      turns.n++;
      if (counting) done++;
    }
  });
  await sleep(WARMUP_MS);
  const cpuAtStart = await runner.cpuUs();
  counting = true;
  const started = performance.now();
  await sleep(WINDOW_MS);
  counting = false;
  const elapsed = performance.now() - started;
  const cpu = (await runner.cpuUs()) - cpuAtStart;
  const counted = done;
  stop = true;
  await Promise.all(loops);
  return { perSecond: (counted / elapsed) * 1000, cpuUsPerTurn: cpu / Math.max(1, counted) };
}

export async function otelOverheadRatio(log: (s: string) => void): Promise<number> {
  const receiver = await sink();
  const off = await spawnRunner({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' });
  const on = await spawnRunner({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_SERVICE_NAME: 'switchboard-bench',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  const offClients = await sessions(off.url);
  const onClients = await sessions(on.url);
  try {
    // Both runners warm up (JIT, connection pools) before any round counts.
    const traced = { n: 0 };
    await rate(off, offClients);
    await rate(on, onClients, traced);
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const untraced = await rate(off, offClients);
      const tracedRate = await rate(on, onClients, traced);
      ratios.push(tracedRate.perSecond / untraced.perSecond);
      log(
        `round ${r + 1}: untraced ${untraced.perSecond.toFixed(0)} turns/s, ${untraced.cpuUsPerTurn.toFixed(0)} µs CPU/turn; ` +
          `traced ${tracedRate.perSecond.toFixed(0)} turns/s, ${tracedRate.cpuUsPerTurn.toFixed(0)} µs CPU/turn`,
      );
    }
    // Each echo turn has at least 4 spans (turn, agent, chat, store write: a write that also carries the
    // next message counts again); the last batch may still be on its way.
    await sleep(6000);
    log(
      `spans received: ${receiver.spans()} for ${traced.n} traced turns (${(receiver.spans() / traced.n).toFixed(2)} a turn)`,
    );
    if (receiver.spans() === 0)
      throw new Error('the traced runner exported nothing: the ratio would not measure tracing');
    const median = ratios.sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
    log(`otel_overhead_ratio (median of ${ROUNDS} alternating rounds, ${SESSIONS} sessions): ${median.toFixed(3)}`);
    return median;
  } finally {
    offClients.close();
    onClients.close();
    await off.stop();
    await on.stop();
    await receiver.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
