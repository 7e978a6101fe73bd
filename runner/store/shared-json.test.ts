import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedJson } from './shared-json.ts';

describe('sharedJson', () => {
  it('writes what JSON.stringify writes, for any JSON value, frozen or not', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, freeze) => {
        const v = freeze ? deepFreeze(structuredClone(value)) : value;
        expect(sharedJson(v)).toBe(JSON.stringify(v) ?? 'null');
        expect(sharedJson(v)).toBe(JSON.stringify(v) ?? 'null'); // and again, from the cache
      }),
    );
  });

  it('skips undefined members and functions like JSON.stringify, and honours toJSON', () => {
    const value = { a: undefined, b: [undefined, () => 1, 2], c: new Date(0), d: { toJSON: () => 'x' } };
    expect(sharedJson(value)).toBe(JSON.stringify(value));
    expect(sharedJson(undefined)).toBe('null');
  });

  it('reuses the JSON of a frozen part, and never of a part that can still change', () => {
    const kept = Object.freeze({ role: 'user', content: 'hello' });
    const open = { role: 'user', content: 'hello' };
    const state = (history: object[]) => ({ history, replies: history.length });
    expect(sharedJson(state([kept, open]))).toBe(JSON.stringify(state([kept, open])));
    open.content = 'changed';
    expect(sharedJson(state([kept, open]))).toBe(JSON.stringify(state([kept, open])));
    // a frozen object holding a mutable one is not cached as a whole
    const shell = Object.freeze({ inner: open });
    expect(sharedJson(shell)).toBe(JSON.stringify(shell));
    open.content = 'changed again';
    expect(sharedJson(shell)).toBe(JSON.stringify(shell));
  });
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
