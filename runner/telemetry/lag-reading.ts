export const LAG_STATS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;

/** Event-loop lag statistics of some samples, in seconds, and how many samples. */
export type LagReading = Record<(typeof LAG_STATS)[number], number> & { count: number };

/**
 * One scrape window's statistics from its two parts, split where the lag monitor stopped (see
 * event-loop-lag.ts). Count, min, max, mean and spread are those of all the samples; a percentile
 * is the larger of the two parts', which is at least the window's.
 */
export function joinReadings(a: LagReading | undefined, b: LagReading | undefined): LagReading | undefined {
  if (!a || !b) return a ?? b;
  const count = a.count + b.count;
  const mean = (a.mean * a.count + b.mean * b.count) / count;
  const squares = (r: LagReading) => r.count * (r.stddev ** 2 + (r.mean - mean) ** 2);
  return {
    count,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    mean,
    stddev: Math.sqrt((squares(a) + squares(b)) / count),
    p50: Math.max(a.p50, b.p50),
    p90: Math.max(a.p90, b.p90),
    p99: Math.max(a.p99, b.p99),
  };
}
