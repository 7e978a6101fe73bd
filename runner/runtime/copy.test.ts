import { describe, expect, it } from 'vitest';
import { copyMessage } from './copy.ts';

describe('copyMessage', () => {
  it('copies nested objects and arrays deeply and leaves the original untouched', () => {
    const message = { text: 'hi', parts: [{ n: 1 }], meta: { tags: ['a'] }, nothing: null };
    const copy = copyMessage(message);
    expect(copy).toEqual(message);
    expect(copy).not.toBe(message);
    expect(copy.parts[0]).not.toBe(message.parts[0]);
    expect(copy.meta.tags).not.toBe(message.meta.tags);
    copy.meta.tags.push('b');
    expect(message.meta.tags).toEqual(['a']);
    expect(Object.isFrozen(message)).toBe(false);
  });

  it('passes primitives and null through', () => {
    expect(copyMessage('text')).toBe('text');
    expect(copyMessage(null)).toBe(null);
    expect(copyMessage(3)).toBe(3);
  });

  it('keeps a "__proto__" key as data instead of setting the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const copy = copyMessage(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
  });

  it('rejects values that are not plain data, naming the path', () => {
    expect(() => copyMessage({ a: [{ when: new Date() }] })).toThrow(
      'message is not plain data: a Date at $.a[0].when',
    );
    expect(() => copyMessage({ m: new Map() })).toThrow('a Map at $.m');
    expect(() => copyMessage({ f: () => 1 })).toThrow('a function at $.f');
    expect(() => copyMessage([1, () => 1])).toThrow('a function at $[1]');
    expect(() => copyMessage({ b: new Uint8Array(2) })).toThrow('a binary buffer at $.b');
    class Custom {}
    expect(() => copyMessage({ c: new Custom() })).toThrow('an instance of Custom at $.c');
    expect(() => copyMessage(() => 1)).toThrow('a function at $');
  });

  it('reports a cycle instead of overflowing the stack', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => copyMessage(a)).toThrow(/nesting deeper than 100 levels \(a cycle\?\)/);
  });
});
