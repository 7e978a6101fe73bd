import { describe, expect, it } from 'vitest';
import { eventLoopLag } from './loop-lag.ts';

const block = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('eventLoopLag', () => {
  it('reports a blocked loop, and keeps reporting it for a few windows', async () => {
    const lag = eventLoopLag();
    try {
      await tick(100);
      lag.sampleMs();
      setTimeout(() => block(300), 10);
      await tick(400);
      expect(lag.sampleMs()).toBeGreaterThanOrEqual(150);
      await tick(100);
      expect(lag.sampleMs()).toBeGreaterThanOrEqual(150); // a calm window right after still counts as busy
    } finally {
      lag.stop();
    }
  });
});
