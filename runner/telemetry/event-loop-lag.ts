import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * Sampling period of the lag monitor. A libuv timer (no JavaScript runs) fires this often and
 * records how late it fired. A stall longer than the period is always seen; shorter ones are
 * sampled in proportion to their length, which is what a percentile needs.
 */
export const LAG_RESOLUTION_MS = 100;
/** How often the monitor is switched on or off by how busy the loop was. */
const GATE_MS = 1000;
/** Below this much work in a gate period the loop counts as idle (an idle runner does ~0.5 ms a second). */
const BUSY_MS = 5;
/** Idle periods in a row before the monitor stops, so a scrape's window and a short pause keep it on. */
const IDLE_PERIODS = 3;

const STATS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;

/**
 * Event-loop lag gauges (`<prefix>nodejs_eventloop_lag_<stat>_seconds`) since the last scrape.
 * Node's monitor records the whole interval between two firings (the period plus the lag), so
 * the period is subtracted: an idle loop reads ~0, not ~the period, and a 300 ms stall reads
 * ~0.3 s. Replaces prom-client's gauges of the same names, which report the raw interval.
 *
 * The monitor's ten wake-ups a second cost an idle process ~4 ms of CPU per 10 s, so it samples
 * only while the loop works: a timer once a second switches it on when the last second held
 * work (or on a scrape) and off after three idle seconds. An idle runner reads 0, which is its
 * lag. A stall that starts after three idle seconds is seen from the next second on, not itself.
 */
export function registerEventLoopLag(registry: Registry, prefix: string): void {
  for (const stat of STATS) registry.removeSingleMetric(`${prefix}nodejs_eventloop_lag_${stat}_seconds`);
  const monitor = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  let on = false;
  let idle = 0;
  const start = () => {
    idle = 0;
    if (!on) monitor.enable();
    on = true;
  };
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const gate = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = now.active - last.active >= BUSY_MS;
    last = now;
    if (busy) start();
    else if (on && ++idle >= IDLE_PERIODS) {
      monitor.disable();
      on = false;
    }
  }, GATE_MS);
  gate.unref();
  start();

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
    // No sample yet (a scrape right after the last one, or an idle loop): the loop was not late.
    STATS.forEach((stat, i) => gauges[i]!.set(monitor.count > 0 ? read[stat]() : 0));
    monitor.reset();
    // Whoever scrapes is about to ask again: sample the next window.
    start();
  };
  const gauges: Gauge[] = STATS.map(
    (stat, i) =>
      new Gauge({
        name: `${prefix}nodejs_eventloop_lag_${stat}_seconds`,
        help: `Event-loop lag since the last scrape, ${stat} (the sampling period of ${LAG_RESOLUTION_MS} ms subtracted; 0 while idle)`,
        registers: [registry],
        ...(i === 0 ? { collect } : {}),
      }),
  );
}
