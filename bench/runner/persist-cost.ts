import { join } from 'node:path';
import type { Core } from '../../runner/app.ts';
import { ECHO, putGraph } from './graphs.ts';
import { core, createSessions, flushed, median, persistedTurnMs, withTempDir } from './in-process.ts';

/** The embedded store's figure (the `postgres` group runs the same on PostgreSQL). */
export async function persistCost(log: (s: string) => void): Promise<number> {
  return withTempDir((dir) => persistCostOn((name) => core(join(dir, name)), log));
}

/**
 * Two stores side by side, one holding 100 sessions and one 10,000; turns on 100 sessions of
 * each are timed in alternating rounds so machine noise hits both alike, medians compared.
 */
export async function persistCostOn(
  open: (name: 'small' | 'large') => Core | Promise<Core>,
  log: (s: string) => void,
): Promise<number> {
  const small = await open('small');
  const large = await open('large');
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
    log(
      `persisted turn (median of 5 rounds): ${m100.toFixed(3)} ms with 100 stored sessions, ${m10k.toFixed(3)} ms with 10,000`,
    );
    return m10k / m100;
  } finally {
    await small.close();
    await large.close();
  }
}
