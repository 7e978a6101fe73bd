import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue } from './deadline-queue.ts';

describe('DeadlineQueue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('expires entries after the delay, in order, with one timer', () => {
    const expired: string[] = [];
    const queue = new DeadlineQueue(100, (id) => expired.push(id));
    queue.touch('a');
    vi.advanceTimersByTime(40);
    queue.touch('b');
    queue.touch('c');
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(60);
    expect(expired).toEqual(['a']);
    vi.advanceTimersByTime(40);
    expect(expired).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('restarts the wait on touch and forgets deleted entries', () => {
    const expired: string[] = [];
    const queue = new DeadlineQueue(100, (id) => expired.push(id));
    queue.touch('a');
    queue.touch('b');
    vi.advanceTimersByTime(90);
    queue.touch('a');
    queue.delete('b');
    vi.advanceTimersByTime(20);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(80);
    expect(expired).toEqual(['a']);
  });

  it('holds no timer when empty', () => {
    const queue = new DeadlineQueue(100, () => undefined);
    queue.touch('a');
    queue.delete('a');
    expect(vi.getTimerCount()).toBe(0);
    queue.touch('b');
    queue.clear();
    expect(vi.getTimerCount()).toBe(0);
  });
});
