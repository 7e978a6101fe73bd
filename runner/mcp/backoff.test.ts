import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  it('doubles the ceiling per failure up to the cap, waits at least half of it, and resets on success', () => {
    let now = 1000;
    let random = 0;
    const backoff = new Backoff(
      100,
      1000,
      () => random,
      () => now,
    );
    expect(backoff.waitMs).toBe(0);
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.failed('refused'))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(backoff.lastError).toBe('refused');
    random = 1;
    expect(backoff.failed('refused')).toBe(1000);
    expect(backoff.waitMs).toBe(1000);
    now += 600;
    expect(backoff.waitMs).toBe(400);
    backoff.succeeded();
    expect(backoff.waitMs).toBe(0);
    expect(backoff.failed('again')).toBe(100);
  });

  it('spreads the waits of equal failures (jitter)', () => {
    const waits = new Set(Array.from({ length: 20 }, () => new Backoff(1000, 60_000).failed('x')));
    expect(waits.size).toBeGreaterThan(1);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(500);
    for (const w of waits) expect(w).toBeLessThanOrEqual(1000);
  });
});
