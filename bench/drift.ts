import { fileURLToPath } from 'node:url';
import type { SessionInfo } from '../schemas/protocol.ts';
import { echoGraph } from '../test/hardening/fixtures/graphs.ts';
import { answerCpu, serveRunner, spawnChildServer } from './child-server.ts';
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

const ECHO = echoGraph('bench-drift');

/** One session's ten turns on a client; `ended` gets the time of each turn end. */
async function tenTurns(client: WireClient, n: number, ended: number[]): Promise<void> {
  const created = (await client.emitWithAck('session:create', { graphId: ECHO.id, events: 'chat' })) as {
    session: SessionInfo;
  };
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
    log(
      `drift over ${SESSIONS} sessions × ${TURNS} turns: first tenth ${first.toFixed(0)} turns/s, last tenth ${last.toFixed(0)}; ${((performance.now() - start) / 1000).toFixed(0)} s`,
    );
    return {
      drift_ratio_10k_sessions: last / first,
      drift_turns_per_s_first_tenth: first,
      drift_turns_per_s_last_tenth: last,
    };
  } finally {
    await runner.stop();
  }
}

if (process.env.SB_DRIFT_ROLE && process.argv[1] === SELF) {
  answerCpu();
  await serveRunner(ECHO);
}
