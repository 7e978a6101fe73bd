import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 20;
/** Samples remembered: with a sample per load publication (500 ms), the last two seconds. */
const WINDOW = 4;

/**
 * Event-loop lag as placement sees it: the 99th percentile delay beyond the timer's own period,
 * the worst of the last few sampling windows. A process busy in bursts (long turns with short
 * pauses between them) stays busy to placement through the pauses; one that was busy a minute
 * ago does not.
 */
export function eventLoopLag(): { sampleMs(): number; stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const recent: number[] = [];
  return {
    sampleMs() {
      const p99 = histogram.count ? histogram.percentile(99) / 1e6 : RESOLUTION_MS;
      histogram.reset();
      recent.push(Math.max(0, Math.round(p99 - RESOLUTION_MS)));
      if (recent.length > WINDOW) recent.shift();
      return Math.max(...recent);
    },
    stop: () => histogram.disable(),
  };
}
