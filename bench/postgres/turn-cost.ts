import type { TestSchema } from '../../runner/store/postgres/test-support.ts';
import { measure, spawnRunner, stop, type Run } from '../cluster.ts';
import { median } from '../runner/in-process.ts';
import { backendPids, databaseUrl } from './schemas.ts';

const ROUNDS = 3;

/**
 * A served turn (Socket.IO clients in a closed loop, see bench/cluster.ts `measure`) on one
 * runner process with the embedded store, then on one with PostgreSQL, in alternating rounds.
 * CPU per turn: the runner's, plus for PostgreSQL its backends' (the work lowdb does inside the
 * runner). Wall per turn: the measured time over the turns completed. Medians of the rounds.
 */
export async function turnCost(
  schema: (name: string) => Promise<TestSchema>,
  log: (s: string) => void,
): Promise<{ cpuRatio: number; wallRatio: number }> {
  const cpu: { lowdb: number[]; pg: number[]; pgRunner: number[] } = { lowdb: [], pg: [], pgRunner: [] };
  const wall: { lowdb: number[]; pg: number[] } = { lowdb: [], pg: [] };
  const s = await schema('turn');
  const application = `sb-bench-turn-${process.pid}`;
  for (let round = 0; round < ROUNDS; round++) {
    const lowdb = await spawnRunner([]);
    const l = await measure([lowdb], undefined).finally(() => stop(lowdb));
    const pg = await spawnRunner([], undefined, { DATABASE_URL: databaseUrl(s, application) });
    const p = await measure([pg], undefined, () => backendPids(s, application)).finally(() => stop(pg));
    cpu.lowdb.push(perTurnMs(l.cpuSeconds, l));
    cpu.pg.push(perTurnMs(p.cpuSeconds, p));
    cpu.pgRunner.push(perTurnMs(p.cpuSplit[0]!, p));
    wall.lowdb.push(perTurnMs(l.seconds, l));
    wall.pg.push(perTurnMs(p.seconds, p));
    log(
      `round ${round + 1}: lowdb ${cpu.lowdb.at(-1)!.toFixed(3)} ms CPU, ${wall.lowdb.at(-1)!.toFixed(3)} ms wall per turn; postgres ${cpu.pg.at(-1)!.toFixed(3)} ms CPU (${cpu.pgRunner.at(-1)!.toFixed(3)} runner + ${(cpu.pg.at(-1)! - cpu.pgRunner.at(-1)!).toFixed(3)} backends), ${wall.pg.at(-1)!.toFixed(3)} ms wall per turn`,
    );
  }
  const cpuRatio = median(cpu.pg) / median(cpu.lowdb);
  const wallRatio = median(wall.pg) / median(wall.lowdb);
  log(
    `turn on postgres vs lowdb (medians of ${ROUNDS}): CPU ${cpuRatio.toFixed(2)}x (runner alone ${(median(cpu.pgRunner) / median(cpu.lowdb)).toFixed(2)}x), wall ${wallRatio.toFixed(2)}x`,
  );
  return { cpuRatio, wallRatio };
}

const perTurnMs = (seconds: number, r: Run) => (seconds / r.turns) * 1000;
