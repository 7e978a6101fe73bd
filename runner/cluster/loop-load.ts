import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';

const RESOLUTION_MS = 20;
/** Samples remembered: with a sample per load publication (500 ms), the last two seconds. */
const WINDOW = 4;

export interface LoopSample {
  eventLoopLagMs: number;
  eventLoopUtilization: number;
}

/**
 * How busy this process's event loop is, as placement sees it: the 99th percentile delay beyond
 * the timer's own period, and the share of wall time the loop spent running code rather than
 * waiting for I/O. Each is the worst of the last few sampling windows, so a process busy in
 * bursts (long turns with short pauses between them) stays busy to placement through the
 * pauses; one that was busy a minute ago does not.
 *
 * Lag alone misleads on an oversubscribed machine: a calm process starved of CPU by a busy
 * neighbour lags as much as the busy one. Utilisation does not, because time spent descheduled
 * while waiting for I/O counts as idle.
 */
export interface LoopLoad {
  sample(): LoopSample;
  stop(): void;
}

export function eventLoopLoad(): LoopLoad {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let since: EventLoopUtilization = performance.eventLoopUtilization();
  const recent: LoopSample[] = [];
  return {
    sample() {
      const p99 = histogram.count ? histogram.percentile(99) / 1e6 : RESOLUTION_MS;
      histogram.reset();
      const now = performance.eventLoopUtilization();
      const utilization = performance.eventLoopUtilization(now, since).utilization;
      since = now;
      recent.push({
        eventLoopLagMs: Math.max(0, Math.round(p99 - RESOLUTION_MS)),
        eventLoopUtilization: Math.round(utilization * 100) / 100,
      });
      if (recent.length > WINDOW) recent.shift();
      return {
        eventLoopLagMs: Math.max(...recent.map((s) => s.eventLoopLagMs)),
        eventLoopUtilization: Math.max(...recent.map((s) => s.eventLoopUtilization)),
      };
    },
    stop: () => histogram.disable(),
  };
}
