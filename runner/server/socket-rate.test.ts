import { describe, expect, it } from 'vitest';
import { SocketRate } from './socket-rate.ts';

describe('SocketRate', () => {
  it('floods only past burst refusals within one second', () => {
    const rate = new SocketRate({ perSecond: 10, burst: 5 }, 0);
    for (let i = 0; i < 5; i++) expect(rate.take(0)).toBe(0);
    for (let i = 0; i < 5; i++) expect(rate.take(0)).toBe(100);
    expect(rate.flooding).toBe(false);
    expect(rate.take(0)).toBe(100);
    expect(rate.flooding).toBe(true);
    expect(rate.describe()).toBe('more than 5 events refused within one second (the limit is 10/s, burst 5)');
  });

  it('never floods a client that waits retryAfterMs after each refusal, however long it keeps at its limit', () => {
    const rate = new SocketRate({ perSecond: 100, burst: 200 }, 0);
    let now = 0;
    let refused = 0;
    while (now < 60_000) {
      const wait = rate.take(now);
      if (wait > 0) refused++;
      now += wait;
    }
    expect(refused).toBeGreaterThan(0);
    expect(rate.flooding).toBe(false);
  });

  it('counts the refusals of each second apart', () => {
    const rate = new SocketRate({ perSecond: 1, burst: 3 }, 0);
    for (let t = 0; t < 10_000; t += 1000) for (let i = 0; i < 4; i++) rate.take(t);
    expect(rate.flooding).toBe(false);
  });
});
