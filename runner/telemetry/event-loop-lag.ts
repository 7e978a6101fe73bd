import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';
import { joinReadings, LAG_STATS, type LagReading } from './lag-reading.ts';
import { atNextWork, workSeen } from './loop-work.ts';
import { runningTurns } from './turn-trace.ts';

/**
 * Sampling period of the lag monitor. A libuv timer (no JavaScript runs) fires this often and
 * records how late it fired. A stall longer than the period is always seen; shorter ones are
 * sampled in proportion to their length, which is what a percentile needs.
 */
export const LAG_RESOLUTION_MS = 100;
/** How often a sampling monitor checks whether work still comes in. */
const GATE_MS = 1000;
/** Quiet periods in a row before the monitor stops, so a scrape's window and a short pause keep it on. */
const QUIET_PERIODS = 3;

/**
 * Event-loop lag gauges (`<prefix>nodejs_eventloop_lag_<stat>_seconds`) since the last scrape.
 * Node's monitor records the whole interval between two firings (the period plus the lag), so
 * the period is subtracted: an idle loop reads ~0, not ~the period, and a 300 ms stall reads
 * ~0.3 s. Replaces prom-client's gauges of the same names, which report the raw interval.
 *
 * The monitor's ten wake-ups a second cost an idle process ~5 ms of CPU per 10 s, and a check
 * once a second ~2 ms, so it samples only while the runner works: from a request, a socket
 * event, a turn's start or a scrape (loop-work.ts) until three seconds in which none came and no
 * turn ran. Then nothing runs for it until the next. An idle runner reads 0, which is its lag.
 * A restarted monitor records from its second tick on, so a stall in the first 0.1 s of work
 * after a quiet spell is not seen. Returns what stops it for good (the runner closes).
 */
export function registerEventLoopLag(registry: Registry, prefix: string): () => void {
  for (const stat of LAG_STATS) registry.removeSingleMetric(`${prefix}nodejs_eventloop_lag_${stat}_seconds`);
  const monitor = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  let gate: NodeJS.Timeout | undefined;
  let cancelWake: (() => void) | undefined;
  let quiet = 0;
  let seen = workSeen();
  /** This window's samples from before the monitor last stopped. */
  let held: LagReading | undefined;
  const check = () => {
    if (workSeen() !== seen || runningTurns() > 0) {
      seen = workSeen();
      quiet = 0;
    } else if (++quiet >= QUIET_PERIODS) {
      stop();
      cancelWake = atNextWork(start);
    }
  };
  const start = () => {
    quiet = 0;
    if (gate) return;
    cancelWake?.();
    cancelWake = undefined;
    seen = workSeen();
    monitor.enable();
    gate = setInterval(check, GATE_MS);
    gate.unref();
  };
  const stop = () => {
    held = joinReadings(held, reading());
    monitor.disable();
    // A restarted monitor would record the whole pause as one late tick.
    monitor.reset();
    clearInterval(gate);
    gate = undefined;
    cancelWake?.();
    cancelWake = undefined;
  };
  start();

  const lagOf = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e9 - LAG_RESOLUTION_MS / 1000) : 0);
  function reading(): LagReading | undefined {
    if (monitor.count === 0) return undefined;
    return {
      count: monitor.count,
      min: lagOf(monitor.min),
      max: lagOf(monitor.max),
      mean: lagOf(monitor.mean),
      // A spread, not a delay: the period is not in it.
      stddev: monitor.stddev / 1e9,
      p50: lagOf(monitor.percentile(50)),
      p90: lagOf(monitor.percentile(90)),
      p99: lagOf(monitor.percentile(99)),
    };
  }
  // The first gauge reads every statistic at once (gauges collect in registration order), then
  // the window starts again.
  const collect = () => {
    const window = joinReadings(held, reading());
    held = undefined;
    // No sample yet (a scrape right after the last one, or an idle loop): the loop was not late.
    LAG_STATS.forEach((stat, i) => gauges[i]!.set(window?.[stat] ?? 0));
    monitor.reset();
    // Whoever scrapes is about to ask again: sample the next window.
    start();
  };
  const gauges: Gauge[] = LAG_STATS.map(
    (stat, i) =>
      new Gauge({
        name: `${prefix}nodejs_eventloop_lag_${stat}_seconds`,
        help: `Event-loop lag since the last scrape, ${stat} (the sampling period of ${LAG_RESOLUTION_MS} ms subtracted; 0 while idle)`,
        registers: [registry],
        ...(i === 0 ? { collect } : {}),
      }),
  );
  return stop;
}
