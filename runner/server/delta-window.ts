import { DeadlineQueue } from '../sessions/deadline-queue.ts';
import { MAX_HELD_CHARS } from './token-coalescer.ts';

/**
 * The delta windows of many streams (the SSE answers of one router) on one timer: windows are
 * equally long, so they end in the order they opened (deadline-queue.ts), and windows ending
 * within a tenth of the window of each other end together. A window of 0 holds nothing.
 */
export class DeltaWindows {
  private readonly ends: DeadlineQueue<DeltaWindow> | undefined;

  constructor(windowMs: number) {
    this.ends =
      windowMs > 0 ? new DeadlineQueue<DeltaWindow>(windowMs, (w) => w.flush(), Math.floor(windowMs / 10)) : undefined;
  }

  open(write: (delta: string) => void): DeltaWindow {
    return new DeltaWindow(this.ends, write);
  }
}

/**
 * Text deltas of one stream, held for up to the window and written as one: an SSE answer's
 * tokens coalesced the way sockets coalesce them (token-coalescer.ts). `now` writes what is held
 * first, then its own delta, so nothing is reordered.
 */
export class DeltaWindow {
  private held = '';

  constructor(
    private readonly ends: DeadlineQueue<DeltaWindow> | undefined,
    private readonly write: (delta: string) => void,
  ) {}

  /** A token: written within the window, joined with the tokens after it. */
  hold(delta: string): void {
    if (!this.ends) return this.write(delta);
    const opens = this.held === '';
    this.held += delta;
    if (this.held.length >= MAX_HELD_CHARS) return this.flush();
    if (opens && this.held !== '') this.ends.touch(this);
  }

  /** A whole message or question: written at once. */
  now(delta: string): void {
    this.flush();
    this.write(delta);
  }

  flush(): void {
    if (this.held === '') return;
    this.ends?.delete(this);
    const held = this.held;
    this.held = '';
    this.write(held);
  }
}
