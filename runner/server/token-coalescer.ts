import type { ServerEventName, TokenEvent } from '../../schemas/protocol.ts';
import { DeadlineQueue } from '../sessions/deadline-queue.ts';

type Emit = (room: string, event: ServerEventName, payload: unknown) => void;

/** A held delta this long goes out at once: a window batches tokens, never builds a huge frame. */
export const MAX_HELD_CHARS = 16_384;

/** The first token of a window (its ids) and the text of all its tokens so far. */
interface Held {
  first: TokenEvent;
  delta: string;
  count: number;
}

/**
 * Sessions' events on their way to their rooms, with token deltas coalesced: consecutive tokens
 * of the same message within `windowMs` go out to the room as one `token` event whose delta is
 * theirs joined. The wire shape stays a TokenEvent, so clients that join deltas need no change.
 *
 * Any other event for the room (a message, an input request, a turn end…) first sends the
 * tokens held for it, so nothing is reordered; a token of another message does too. A window
 * of 0 sends every token as it comes. Only rooms holding tokens take memory.
 *
 * All rooms' windows share one timer: windows are equally long, so they end in the order they
 * opened (deadline-queue.ts). At thousands of windows a second a timer per window cost more
 * than the tokens; windows ending within a tenth of the window of each other end together.
 */
export class TokenCoalescer {
  private readonly held = new Map<string, Held>();
  private readonly windows: DeadlineQueue;

  constructor(
    private readonly windowMs: number,
    private readonly emit: Emit,
  ) {
    this.windows = new DeadlineQueue(windowMs, (room) => this.flush(room), Math.floor(windowMs / 10));
  }

  push(room: string, event: ServerEventName, payload: unknown): void {
    if (event !== 'token' || this.windowMs === 0) {
      this.flush(room);
      this.emit(room, event, payload);
      return;
    }
    // Not copied: the payload is shared with the session's other listeners, so it is never changed.
    const token = payload as TokenEvent;
    const held = this.held.get(room);
    if (held && sameMessage(held.first, token)) {
      held.delta += token.delta;
      held.count++;
      if (held.delta.length >= MAX_HELD_CHARS) this.flush(room);
      return;
    }
    if (held) this.flush(room);
    this.held.set(room, { first: token, delta: token.delta, count: 1 });
    this.windows.touch(room);
  }

  /** Sends the tokens held for a room now. */
  flush(room: string): void {
    const held = this.held.get(room);
    if (!held) return;
    this.held.delete(room);
    this.windows.delete(room);
    this.emit(room, 'token', held.count === 1 ? held.first : { ...held.first, delta: held.delta });
  }

  flushAll(): void {
    for (const room of [...this.held.keys()]) this.flush(room);
  }
}

function sameMessage(a: TokenEvent, b: TokenEvent): boolean {
  return a.messageId === b.messageId && a.sessionId === b.sessionId && a.turnId === b.turnId && a.agent === b.agent;
}
