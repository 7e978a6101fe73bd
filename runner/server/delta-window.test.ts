import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeltaWindows } from './delta-window.ts';
import { MAX_HELD_CHARS } from './token-coalescer.ts';

describe('DeltaWindow', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes the tokens of a window as one delta when it ends', () => {
    const out: string[] = [];
    const w = new DeltaWindows(50).open((d) => out.push(d));
    w.hold('a');
    w.hold('b');
    vi.advanceTimersByTime(49);
    expect(out).toEqual([]);
    vi.advanceTimersByTime(1);
    w.hold('c');
    vi.advanceTimersByTime(50);
    expect(out).toEqual(['ab', 'c']);
  });

  it('a whole message writes what is held first, then itself at once', () => {
    const out: string[] = [];
    const w = new DeltaWindows(50).open((d) => out.push(d));
    w.hold('to');
    w.hold('ken');
    w.now('\n\nwhole');
    expect(out).toEqual(['token', '\n\nwhole']);
    vi.advanceTimersByTime(100);
    expect(out).toHaveLength(2);
  });

  it('writes a held delta at once when it reaches MAX_HELD_CHARS', () => {
    const out: string[] = [];
    const w = new DeltaWindows(50).open((d) => out.push(d));
    w.hold('x'.repeat(MAX_HELD_CHARS - 1));
    expect(out).toEqual([]);
    w.hold('x');
    expect(out).toEqual(['x'.repeat(MAX_HELD_CHARS)]);
  });

  it('windows of many streams share one timer and each ends on time', () => {
    const out: string[] = [];
    const windows = new DeltaWindows(50);
    const a = windows.open((d) => out.push(`a:${d}`));
    const b = windows.open((d) => out.push(`b:${d}`));
    a.hold('1');
    vi.advanceTimersByTime(20);
    b.hold('2');
    a.hold('3');
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(30);
    expect(out).toEqual(['a:13']);
    vi.advanceTimersByTime(20);
    expect(out).toEqual(['a:13', 'b:2']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('flush writes the rest; a window of 0 holds nothing', () => {
    const out: string[] = [];
    const w = new DeltaWindows(50).open((d) => out.push(d));
    w.hold('x');
    w.flush();
    w.flush();
    expect(out).toEqual(['x']);
    const direct: string[] = [];
    const off = new DeltaWindows(0).open((d) => direct.push(d));
    off.hold('a');
    off.hold('b');
    expect(direct).toEqual(['a', 'b']);
  });
});
