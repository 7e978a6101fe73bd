import type { RateScope } from './socket-limits.ts';
import { TokenBucket } from './token-bucket.ts';

/**
 * One socket's event rate: its own token bucket, then the budget its tenant's sockets share
 * (`shared`), plus the line past which the socket is flooding. A refused event still costs the
 * runner a parse and an ack, so a socket that keeps sending into its refusals slows every other
 * session; one refused more than `burst` times within one second is flooding. A client that
 * waits `retryAfterMs` after a refusal is refused at most once per wait, and one that fires a
 * whole burst at once is refused at most `burst` times: neither gets there.
 */
export class SocketRate {
  private readonly bucket: TokenBucket;
  private windowStart = Number.NEGATIVE_INFINITY;
  private refusedInWindow = 0;
  /** Refused more than `burst` times within one second: to be cut off. Stays true. */
  flooding = false;
  /** Whose budget refused the latest refused event. */
  refusedBy: RateScope = 'socket';

  constructor(
    readonly limit: { perSecond: number; burst: number },
    now = Date.now(),
    private readonly shared: (now: number) => number = () => 0,
  ) {
    this.bucket = new TokenBucket(limit.perSecond, limit.burst, now);
  }

  /** 0 when the event may go ahead, else the milliseconds until it could; a refusal may set `flooding`. */
  take(now = Date.now()): number {
    const own = this.bucket.take(now);
    const wait = own || this.shared(now);
    if (wait === 0) return 0;
    this.refusedBy = own ? 'socket' : 'tenant';
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.refusedInWindow = 0;
    }
    if (++this.refusedInWindow > this.limit.burst) this.flooding = true;
    return wait;
  }

  describe(): string {
    return `more than ${this.limit.burst} events refused within one second (the limit is ${this.limit.perSecond}/s, burst ${this.limit.burst})`;
  }
}
