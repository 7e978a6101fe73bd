import { MAX_HELD_CHARS } from './token-coalescer.ts';

/**
 * Text deltas of one stream, held for up to `windowMs` and written as one: an SSE answer's
 * tokens coalesced the way sockets coalesce them (token-coalescer.ts). `now` writes what is held
 * first, then its own delta, so nothing is reordered. A window of 0 holds nothing.
 */
export class DeltaWindow {
  private held = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly write: (delta: string) => void,
  ) {}

  /** A token: written within the window, joined with the tokens after it. */
  hold(delta: string): void {
    if (this.windowMs === 0) return this.write(delta);
    this.held += delta;
    if (this.held.length >= MAX_HELD_CHARS) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** A whole message or question: written at once. */
  now(delta: string): void {
    this.flush();
    this.write(delta);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const held = this.held;
    this.held = '';
    if (held) this.write(held);
  }
}
