import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anEdit, edit } from '../store/contract/snapshot-edits.ts';
import { applyChange, changeOf } from './snapshot-change.ts';

/** What a store holds and reads back: JSON text, so nothing is shared with the writer's objects. */
const json = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** Replays `change` on the stored form of `before`, as a reader of the store does. */
const replayed = (before: unknown, after: unknown): unknown => {
  const change = changeOf(before, after);
  return change === undefined ? json(before) : applyChange(json(before), json(change) as never);
};

describe('snapshot changes', () => {
  it('replays every edit an agent can make, step after step, to the same JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.array(anEdit, { maxLength: 12 }), (start, edits) => {
        let before: unknown = start;
        let stored = json(start);
        for (const e of edits) {
          const after = edit(before, e);
          const change = changeOf(before, after);
          if (change !== undefined) stored = applyChange(stored, json(change) as never);
          expect(stored).toEqual(json(after));
          expect(replayed(before, after)).toEqual(json(after));
          before = after;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('says nothing changed for the same object, and for a copy sharing every part', () => {
    const history = [{ role: 'user', content: 'q' }];
    const snapshot = { agents: { a: { history, replies: 1 } }, pending: [] };
    expect(changeOf(snapshot, snapshot)).toBeUndefined();
    expect(
      changeOf(snapshot, { ...snapshot, agents: { a: { history: history.slice(), replies: 1 } } }),
    ).toBeUndefined();
  });

  it('sends a moving window as what left and what came, not as the window', () => {
    const m = Array.from({ length: 6 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` }));
    expect(changeOf({ history: m.slice(0, 4) }, { history: m.slice(2, 6) })).toEqual({
      k: { history: { a: 2, p: [m[4], m[5]] } },
    });
    // Changed in the middle (not the same object any more): the array is replaced.
    expect(changeOf({ history: m.slice(0, 3) }, { history: [m[0], { ...m[1]! }, m[2]] })).toEqual({
      k: { history: { '=': [m[0], { ...m[1]! }, m[2]] } },
    });
    // Nothing kept: the new array itself is shorter than a shift.
    expect(changeOf({ history: m.slice(0, 2) }, { history: m.slice(3, 4) })).toEqual({
      k: { history: { '=': [m[3]] } },
    });
  });

  it('drops keys that are gone or undefined, as JSON would', () => {
    expect(changeOf({ a: 1, b: 2 }, { a: 1, b: undefined })).toEqual({ k: {}, d: ['b'] });
    expect(changeOf({ a: 1, b: undefined }, { a: 1 })).toBeUndefined();
    expect(applyChange({ a: 1, b: 2 }, { k: { c: { '=': 3 } }, d: ['b'] })).toEqual({ a: 1, c: 3 });
  });

  it('keeps a key named __proto__ as data', () => {
    const after = applyChange({}, { k: { ['__proto__']: { '=': { polluted: true } } } }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(after)).toBe(Object.prototype);
    expect(Object.keys(after)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a change that does not fit the stored value, saying which kind', () => {
    expect(() => applyChange({ a: 1 }, { a: 1, p: [] })).toThrow(/shifts an array/);
    expect(() => applyChange([1], { k: {} })).toThrow(/updates an object/);
  });
});
