/**
 * When to try an unreachable MCP server again: capped exponential backoff with jitter, so many
 * sessions of a tenant do not hammer a server that is down, and all of them do not come back at
 * the same instant. Between attempts, callers are told at once instead of waiting for a connect
 * timeout each.
 */
export class Backoff {
  private failures = 0;
  private retryAt = 0;
  /** Why the last attempt failed, for the error the waiting callers get. */
  lastError = '';

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the next attempt is allowed; 0: try now. */
  get waitMs(): number {
    return Math.max(0, this.retryAt - this.now());
  }

  /** Records a failed attempt and returns the wait before the next one. */
  failed(reason: string): number {
    this.failures++;
    this.lastError = reason;
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures - 1, 30));
    // "Equal jitter": at least half the ceiling, so the wait still grows with each failure.
    const wait = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    this.retryAt = this.now() + wait;
    return wait;
  }

  succeeded(): void {
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = '';
  }
}
