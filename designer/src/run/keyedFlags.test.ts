import { describe, expect, it } from 'vitest';
import { keyedFlags } from './keyedFlags.ts';

describe('keyed flags', () => {
  it('wakes only the listeners of keys that went in or out', () => {
    const flags = keyedFlags();
    const woken: string[] = [];
    for (const key of ['a', 'b', 'c']) flags.subscribe(key, () => woken.push(key));
    expect(flags.replace(new Set(['a', 'b']))).toBe(true);
    expect(woken.sort()).toEqual(['a', 'b']);
    woken.length = 0;
    expect(flags.replace(new Set(['b', 'c']))).toBe(true);
    expect(woken.sort()).toEqual(['a', 'c']);
    woken.length = 0;
    expect(flags.replace(new Set(['c', 'b']))).toBe(false);
    expect(woken).toEqual([]);
    expect([flags.has('a'), flags.has('b'), flags.has('c')]).toEqual([false, true, true]);
  });

  it('forgets a listener once it unsubscribes', () => {
    const flags = keyedFlags();
    let woken = 0;
    const stop = flags.subscribe('a', () => woken++);
    flags.replace(new Set(['a']));
    stop();
    flags.replace(new Set());
    expect(woken).toBe(1);
  });
});
