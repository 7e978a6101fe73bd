/** How fast a model streams: tokens per second, in chunks of some tokens. */
export interface StreamPace {
  tokensPerSecond: number;
  chunkTokens: number;
}

/**
 * Waits before each chunk of a stream. Without a pace it only yields, as a real stream does, so
 * transports get to send each chunk. With one, chunk n is due at start + n × chunk interval, so
 * a late timer does not slow the whole stream down.
 */
export function chunkClock(pace: StreamPace | undefined): () => Promise<void> {
  if (!pace) return () => new Promise<void>((resolve) => setImmediate(resolve));
  const intervalMs = (1000 * pace.chunkTokens) / pace.tokensPerSecond;
  let start: number | undefined;
  let n = 0;
  return () => {
    const now = performance.now();
    start ??= now;
    const due = start + n++ * intervalMs;
    return new Promise<void>((resolve) => (due <= now ? setImmediate(resolve) : setTimeout(resolve, due - now)));
  };
}
