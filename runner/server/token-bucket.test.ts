import { describe, expect, it } from 'vitest';
import { KeyedBuckets, TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('allows a burst, then asks to wait until the next token', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(100);
    expect(bucket.take(100)).toBe(0);
  });

  it('refills up to the burst only', () => {
    const bucket = new TokenBucket(1, 2, 0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.isFull(60_000)).toBe(true);
    expect([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)]).toEqual([0, 0, 1000]);
  });
});

describe('KeyedBuckets', () => {
  it('keeps one bucket per key', () => {
    const buckets = new KeyedBuckets({ perSecond: 1, burst: 1 });
    expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBeGreaterThan(0);
    expect(buckets.take('b', 0)).toBe(0);
  });

  it('forgets full buckets when many keys pile up', () => {
    const buckets = new KeyedBuckets({ perSecond: 1000, burst: 1 });
    for (let i = 0; i < 5000; i++) buckets.take(`k${i}`, i);
    expect((buckets as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThan(2100);
  });
});
