import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerEventName, TokenEvent } from '../../schemas/protocol.ts';
import { MAX_HELD_CHARS, TokenCoalescer } from './token-coalescer.ts';

const token = (delta: string, messageId = 'm1', sessionId = 's1'): TokenEvent => ({
  sessionId,
  turnId: 't1',
  agent: 'a',
  messageId,
  delta,
});

function recorder(windowMs: number) {
  const sent: Array<{ room: string; event: ServerEventName; payload: unknown }> = [];
  const c = new TokenCoalescer(windowMs, (room, event, payload) => sent.push({ room, event, payload }));
  const deltas = () => sent.filter((s) => s.event === 'token').map((s) => (s.payload as TokenEvent).delta);
  return { c, sent, deltas };
}

describe('TokenCoalescer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the tokens of one message within the window as one joined delta when it ends', () => {
    const { c, sent, deltas } = recorder(50);
    c.push('r', 'token', token('Hel'));
    c.push('r', 'token', token('lo '));
    vi.advanceTimersByTime(49);
    expect(sent).toEqual([]);
    c.push('r', 'token', token('you'));
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([{ room: 'r', event: 'token', payload: token('Hello you') }]);
    c.push('r', 'token', token('!'));
    vi.advanceTimersByTime(50);
    expect(deltas()).toEqual(['Hello you', '!']);
  });

  it.each(['message', 'input_request', 'turn_end'] as const)(
    'a %s event sends the held tokens first, at once',
    (event) => {
      const { c, sent } = recorder(50);
      c.push('r', 'token', token('a'));
      c.push('r', 'token', token('b'));
      c.push('r', event, { sessionId: 's1' });
      expect(sent.map((s) => s.event)).toEqual(['token', event]);
      expect((sent[0]!.payload as TokenEvent).delta).toBe('ab');
      vi.advanceTimersByTime(100);
      expect(sent).toHaveLength(2);
    },
  );

  it('keeps order across messages: a token of another message sends the first message first', () => {
    const { c, sent } = recorder(50);
    c.push('r', 'token', token('x1', 'm1'));
    c.push('r', 'token', token('y1', 'm2'));
    c.push('r', 'token', token('y2', 'm2'));
    c.push('r', 'token', token('x2', 'm1'));
    vi.advanceTimersByTime(50);
    expect(sent.map((s) => [(s.payload as TokenEvent).messageId, (s.payload as TokenEvent).delta])).toEqual([
      ['m1', 'x1'],
      ['m2', 'y1y2'],
      ['m1', 'x2'],
    ]);
  });

  it('holds each room apart', () => {
    const { c, sent } = recorder(50);
    c.push('r1', 'token', token('a', 'm1', 's1'));
    c.push('r2', 'token', token('b', 'm2', 's2'));
    c.push('r1', 'turn_end', { sessionId: 's1' });
    expect(sent.map((s) => [s.room, s.event])).toEqual([
      ['r1', 'token'],
      ['r1', 'turn_end'],
    ]);
    vi.advanceTimersByTime(50);
    expect(sent.at(-1)).toEqual({ room: 'r2', event: 'token', payload: token('b', 'm2', 's2') });
  });

  it('with a window of 0 sends every token as it comes', () => {
    const { c, deltas } = recorder(0);
    for (const d of ['a', 'b', 'c']) c.push('r', 'token', token(d));
    expect(deltas()).toEqual(['a', 'b', 'c']);
  });

  it('loses nothing: many tokens over many windows join to the full text, and flushAll sends the rest', () => {
    const { c, deltas } = recorder(50);
    const pieces = Array.from({ length: 500 }, (_, i) => `w${i} `);
    pieces.forEach((p, i) => {
      c.push('r', 'token', token(p));
      if (i % 7 === 0) vi.advanceTimersByTime(13);
    });
    c.flushAll();
    expect(deltas().join('')).toBe(pieces.join(''));
    expect(deltas().length).toBeLessThan(pieces.length / 10);
  });

  it('sends a held delta at once when it reaches MAX_HELD_CHARS', () => {
    const { c, deltas } = recorder(50);
    const big = 'x'.repeat(MAX_HELD_CHARS / 2);
    c.push('r', 'token', token(big));
    c.push('r', 'token', token(big));
    expect(deltas()).toEqual([big + big]);
    c.push('r', 'token', token('y'));
    vi.advanceTimersByTime(50);
    expect(deltas()).toEqual([big + big, 'y']);
  });

  it('does not change the token it was given', () => {
    const { c } = recorder(50);
    const first = token('a');
    c.push('r', 'token', first);
    c.push('r', 'token', token('b'));
    c.flushAll();
    expect(first.delta).toBe('a');
  });
});
