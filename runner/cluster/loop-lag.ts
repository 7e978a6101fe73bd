import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 20;

/**
 * Event-loop lag as placement sees it: the 99th percentile delay beyond the timer's own period
 * over the last sampling window, so a process that is busy right now looks busy, and one that was
 * busy a minute ago does not.
 */
export function eventLoopLag(): { sampleMs(): number; stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    sampleMs() {
      const p99 = histogram.count ? histogram.percentile(99) / 1e6 : RESOLUTION_MS;
      histogram.reset();
      return Math.max(0, Math.round(p99 - RESOLUTION_MS));
    },
    stop: () => histogram.disable(),
  };
}
