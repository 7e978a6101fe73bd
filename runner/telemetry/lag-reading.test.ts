import { describe, expect, it } from 'vitest';
import { joinReadings, type LagReading } from './lag-reading.ts';

const part = (count: number, mean: number, stddev: number, min: number, max: number, p: number): LagReading => ({
  count,
  min,
  max,
  mean,
  stddev,
  p50: p,
  p90: p,
  p99: p,
});

describe('joinReadings (a scrape window split where the lag monitor stopped)', () => {
  it('is the one part there is', () => {
    const a = part(3, 0.01, 0.001, 0.005, 0.02, 0.01);
    expect(joinReadings(a, undefined)).toBe(a);
    expect(joinReadings(undefined, a)).toBe(a);
    expect(joinReadings(undefined, undefined)).toBeUndefined();
  });

  it('joins count, extremes, mean and spread of all the samples; percentiles bound the window', () => {
    // Samples {0, 2} and {4, 4, 4, 4}: all six have mean 3 and a spread of sqrt(14 / 6).
    const joined = joinReadings(part(2, 1, 1, 0, 2, 1), part(4, 4, 0, 4, 4, 4))!;
    expect(joined).toMatchObject({ count: 6, min: 0, max: 4, mean: 3, p50: 4, p99: 4 });
    expect(joined.stddev).toBeCloseTo(Math.sqrt(14 / 6));
  });
});
