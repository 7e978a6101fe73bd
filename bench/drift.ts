import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Graph, type GraphInput } from '../schemas/graph.ts';
import type { SessionInfo } from '../schemas/protocol.ts';
import { startRunner } from '../runner/app.ts';
import { LOCAL_TENANT, parseConfig } from '../runner/config.ts';
import { answerCpu, listening, spawnChildServer } from './child-server.ts';
import { WireClient } from './wire-client.ts';

/**
 * Drift as sessions accumulate: 10,000 sessions of 10 turns each, one after another, on a runner
 * with its embedded store (a child process); clients here keep CONCURRENCY sessions going at a
 * time. `drift_ratio_10k_sessions` is the turns per second of the last tenth of the sessions over
 * the first tenth's. SB_DRIFT_SESSIONS runs a shorter version. Measured, not yet optimised.
 */

const SELF = fileURLToPath(import.meta.url);
const SESSIONS = Number(process.env.SB_DRIFT_SESSIONS ?? 10_000);
const TURNS = 10;
const CONCURRENCY = 50;

const ECHO: GraphInput = {
  format: 'switchboard/graph',
  version: 1,
  id: 'bench-drift',
  name: 'Bench drift',
  models: [{ id: 'm', provider: 'scripted', fallback: 'ok: {input}' }],
  agents: [{ id: 'echo', type: 'echo', kind: 'assistant', config: { model: 'm', stream: false } }],
  topics: [
    { id: 'in', type: 'drift.in' },
    { id: 'out', type: 'drift.out' },
  ],
  subscriptions: [{ id: 's1', topic: 'in', agent: 'echo' }],
  publications: [{ id: 'p1', agent: 'echo', topic: 'out' }],
  entry: 'in',
  output: ['out'],
};

async function serve(): Promise<void> {
  answerCpu();
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-drift-'));
  const unlimited = { perSecond: 1_000_000, burst: 1_000_000 };
  const runner = await startRunner({ config: parseConfig({ port: 0, dataDir: dir, logLevel: 'error', designerDir: join(dir, 'none'), limits: { socket: unlimited, http: unlimited } }) });
  const graph = Graph.parse(ECHO);
  await runner.store.putGraph({ tenant: LOCAL_TENANT, id: graph.id, version: 1, graph, draft: false, updatedAt: Date.now() });
  process.once('SIGTERM', () => void runner.close().finally(() => (rmSync(dir, { recursive: true, force: true }), process.exit(0))));
  listening(runner.url);
}

/** One session's ten turns on a client; `ended` gets the time of each turn end. */
async function tenTurns(client: WireClient, n: number, ended: number[]): Promise<void> {
  const created = (await client.emitWithAck('session:create', { graphId: ECHO.id, events: 'chat' })) as { session: SessionInfo };
  const sessionId = created.session.id;
  for (let t = 0; t < TURNS; t++) {
    const end = new Promise<void>((done) => client.on('turn_end', () => done()));
    await client.emitWithAck('session:send', { sessionId, content: `session ${n} turn ${t}` });
    await end;
    ended.push(performance.now());
  }
  await client.emitWithAck('session:leave', { sessionId });
}

export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  const runner = await spawnChildServer(SELF, { SB_DRIFT_ROLE: 'runner' });
  try {
    const clients = await Promise.all(Array.from({ length: CONCURRENCY }, () => WireClient.connect(runner.url)));
    const ended: number[] = [];
    let next = 0;
    /** When the first client found no session left: from then on fewer run at once. */
    let draining = Number.POSITIVE_INFINITY;
    const start = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        for (let n = next++; n < SESSIONS; n = next++) await tenTurns(c, n, ended);
        draining = Math.min(draining, performance.now());
      }),
    );
    for (const c of clients) c.close();
    // Turns per second of the first and the last tenth of the turns ended at full concurrency.
    const steady = ended.filter((t) => t <= draining);
    const tenth = Math.floor(steady.length / 10);
    const first = (tenth / (steady[tenth - 1]! - start)) * 1000;
    const last = (tenth / (steady.at(-1)! - steady[steady.length - tenth - 1]!)) * 1000;
    log(`drift over ${SESSIONS} sessions × ${TURNS} turns: first tenth ${first.toFixed(0)} turns/s, last tenth ${last.toFixed(0)}; ${((performance.now() - start) / 1000).toFixed(0)} s`);
    return { drift_ratio_10k_sessions: last / first, drift_turns_per_s_first_tenth: first, drift_turns_per_s_last_tenth: last };
  } finally {
    await runner.stop();
  }
}

if (process.env.SB_DRIFT_ROLE && process.argv[1] === SELF) await serve();
