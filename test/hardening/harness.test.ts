import { describe, expect, it } from 'vitest';
import { formatTally, sumTally } from './harness/tally.ts';

describe('hardening tally', () => {
  it('sums every line and prints the summary in a fixed order', () => {
    const total = sumTally('{"cases":2}\n{"faults":1,"checked":3}\n\n{"cases":1,"lost":0}\n');
    expect(formatTally(total)).toBe('hardening: cases=3 faults=1 checked=3 lost=0 leaked=0');
  });
});
