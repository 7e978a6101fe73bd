/**
 * A token bucket refilled lazily from the clock on each take, so idle buckets cost nothing
 * (no timers). `take()` returns 0 when allowed, else the milliseconds until a token is free.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = Date.now()): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  /** True when the bucket is back to full: it can be forgotten without changing behaviour. */
  isFull(now = Date.now()): boolean {
    return this.tokens + ((now - this.last) / 1000) * this.perSecond >= this.burst;
  }
}

/** Buckets by key (tenant, address). Full buckets are swept as the map grows, not on a timer. */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private sweepAt = 1024;

  constructor(private readonly rate: { perSecond: number; burst: number }) {}

  take(key: string, now = Date.now()): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now);
      bucket = new TokenBucket(this.rate.perSecond, this.rate.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
    this.sweepAt = Math.max(1024, this.buckets.size * 2);
  }
}
