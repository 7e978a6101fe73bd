import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * Sampling period of the lag monitor. A libuv timer (no JavaScript runs) fires this often and
 * records how late it fired; 100 ms costs ~0.5 ms of CPU a second on an idle process, where
 * prom-client's default of 10 ms costs ~5 ms. A stall longer than the period is always seen; shorter ones
 * are sampled in proportion to their length, which is what a percentile needs.
 */
export const LAG_RESOLUTION_MS = 100;

const STATS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;

/**
 * Event-loop lag gauges (`<prefix>nodejs_eventloop_lag_<stat>_seconds`) since the last scrape.
 * Node's monitor records the whole interval between two firings (the period plus the lag), so
 * the period is subtracted: an idle loop reads ~0, not ~the period, and a 300 ms stall reads
 * ~0.3 s. Replaces prom-client's gauges of the same names, which report the raw interval.
 */
export function registerEventLoopLag(registry: Registry, prefix: string): void {
  for (const stat of STATS) registry.removeSingleMetric(`${prefix}nodejs_eventloop_lag_${stat}_seconds`);
  const monitor = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  monitor.enable();
  const lagOf = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e9 - LAG_RESOLUTION_MS / 1000) : 0);
  const read: Record<(typeof STATS)[number], () => number> = {
    min: () => lagOf(monitor.min),
    max: () => lagOf(monitor.max),
    mean: () => lagOf(monitor.mean),
    // A spread, not a delay: the period is not in it.
    stddev: () => (Number.isFinite(monitor.stddev) ? monitor.stddev / 1e9 : 0),
    p50: () => lagOf(monitor.percentile(50)),
    p90: () => lagOf(monitor.percentile(90)),
    p99: () => lagOf(monitor.percentile(99)),
  };
  // The first gauge reads every statistic at once (gauges collect in registration order), then
  // the window starts again.
  const collect = () => {
    // No sample yet (a scrape right after the last one): the loop was not late in that window.
    STATS.forEach((stat, i) => gauges[i]!.set(monitor.count > 0 ? read[stat]() : 0));
    monitor.reset();
  };
  const gauges: Gauge[] = STATS.map(
    (stat, i) =>
      new Gauge({
        name: `${prefix}nodejs_eventloop_lag_${stat}_seconds`,
        help: `Event-loop lag since the last scrape, ${stat} (the sampling period of ${LAG_RESOLUTION_MS} ms subtracted)`,
        registers: [registry],
        ...(i === 0 ? { collect } : {}),
      }),
  );
}
