import type { ServerEventName, TokenEvent } from '../../schemas/protocol.ts';

type Emit = (room: string, event: ServerEventName, payload: unknown) => void;

/** A held delta this long goes out at once: a window batches tokens, never builds a huge frame. */
export const MAX_HELD_CHARS = 16_384;

interface Held {
  token: TokenEvent;
  timer: NodeJS.Timeout;
}

/**
 * Sessions' events on their way to their rooms, with token deltas coalesced: consecutive tokens
 * of the same message within `windowMs` go out to the room as one `token` event whose delta is
 * theirs joined. The wire shape stays a TokenEvent, so clients that join deltas need no change.
 *
 * Any other event for the room (a message, an input request, a turn end…) first sends the
 * tokens held for it, so nothing is reordered; a token of another message does too. A window
 * of 0 sends every token as it comes. Only rooms holding tokens take memory.
 */
export class TokenCoalescer {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly windowMs: number,
    private readonly emit: Emit,
  ) {}

  push(room: string, event: ServerEventName, payload: unknown): void {
    if (event !== 'token' || this.windowMs === 0) {
      this.flush(room);
      this.emit(room, event, payload);
      return;
    }
    const token = payload as TokenEvent;
    const held = this.held.get(room);
    if (held && sameMessage(held.token, token)) {
      held.token.delta += token.delta;
      if (held.token.delta.length >= MAX_HELD_CHARS) this.flush(room);
      return;
    }
    this.flush(room);
    this.held.set(room, { token: { ...token }, timer: setTimeout(() => this.flush(room), this.windowMs) });
  }

  /** Sends the tokens held for a room now. */
  flush(room: string): void {
    const held = this.held.get(room);
    if (!held) return;
    this.held.delete(room);
    clearTimeout(held.timer);
    this.emit(room, 'token', held.token);
  }

  flushAll(): void {
    for (const room of [...this.held.keys()]) this.flush(room);
  }
}

function sameMessage(a: TokenEvent, b: TokenEvent): boolean {
  return a.messageId === b.messageId && a.sessionId === b.sessionId && a.turnId === b.turnId && a.agent === b.agent;
}
