/**
 * Deadlines that all share one delay, on a single unref'd timer: since every entry waits the
 * same time, insertion order is deadline order, so touching an entry is O(1) and a thousand idle
 * sessions cost one timer and no polling.
 */
export class DeadlineQueue<K = string> {
  private readonly deadlines = new Map<K, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  /**
   * `earlyMs`: entries due within this long of the one the timer fires for expire with it, so a
   * busy queue (many entries a millisecond) wakes once per batch rather than once per entry.
   */
  constructor(
    private readonly delayMs: number,
    private readonly onExpire: (id: K) => void,
    private readonly earlyMs = 0,
  ) {}

  /** (Re)starts the wait for `id`. */
  touch(id: K): void {
    this.deadlines.delete(id);
    this.deadlines.set(id, Date.now() + this.delayMs);
    this.arm();
  }

  delete(id: K): void {
    this.deadlines.delete(id);
    if (this.deadlines.size === 0) this.disarm();
  }

  has(id: K): boolean {
    return this.deadlines.has(id);
  }

  get size(): number {
    return this.deadlines.size;
  }

  clear(): void {
    this.deadlines.clear();
    this.disarm();
  }

  private arm(): void {
    const first = this.deadlines.values().next();
    if (first.done) return;
    if (this.timer && this.timerAt <= first.value) return;
    this.disarm();
    this.timerAt = first.value;
    this.timer = setTimeout(this.fire, Math.max(0, first.value - Date.now()));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const until = Date.now() + this.earlyMs;
    const due: K[] = [];
    for (const [id, at] of this.deadlines) {
      if (at > until) break;
      due.push(id);
    }
    for (const id of due) this.deadlines.delete(id);
    this.arm();
    for (const id of due) this.onExpire(id);
  };
}
