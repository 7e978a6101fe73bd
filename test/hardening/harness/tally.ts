import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';

/** The figures `npm run test:hardening` ends with. lost and leaked must stay 0. */
export interface Tally {
  /** Hostile inputs tried. */
  cases: number;
  /** Kills and injected failures. */
  faults: number;
  /** Messages verified after a fault. */
  checked: number;
  /** Acknowledged messages missing after a fault. */
  lost: number;
  /** Sessions, instances or heap not returned after close. */
  leaked: number;
}

export const TALLY_KEYS = ['cases', 'faults', 'checked', 'lost', 'leaked'] as const satisfies readonly (keyof Tally)[];

declare module 'vitest' {
  export interface ProvidedContext {
    hardeningTallyFile: string;
  }
}

/**
 * Adds to the suite-wide tally. Test files run in workers, so counts travel through a file the
 * global setup owns; one appended line per call keeps concurrent writers from mixing.
 */
export function count(delta: Partial<Tally>): void {
  appendFileSync(inject('hardeningTallyFile'), JSON.stringify(delta) + '\n');
}

export function sumTally(lines: string): Tally {
  const total: Tally = { cases: 0, faults: 0, checked: 0, lost: 0, leaked: 0 };
  for (const line of lines.split('\n')) {
    if (!line.trim()) continue;
    const delta = JSON.parse(line) as Partial<Tally>;
    for (const key of TALLY_KEYS) total[key] += delta[key] ?? 0;
  }
  return total;
}

export const formatTally = (t: Tally) => `hardening: ${TALLY_KEYS.map((k) => `${k}=${t[k]}`).join(' ')}`;
