import { describe, expect, it } from 'vitest';
import { deepFreeze } from './freeze.ts';

describe('deepFreeze', () => {
  it('freezes nested objects and arrays in place and returns the same value', () => {
    const message = { text: 'hi', parts: [{ n: 1 }], meta: { tags: ['a'] } };
    expect(deepFreeze(message)).toBe(message);
    expect(Object.isFrozen(message)).toBe(true);
    expect(Object.isFrozen(message.parts[0])).toBe(true);
    expect(Object.isFrozen(message.meta.tags)).toBe(true);
    expect(() => {
      (message.meta.tags as string[]).push('b');
    }).toThrow(TypeError);
  });

  it('still freezes the children of a shallowly frozen object', () => {
    const inner = { n: 1 };
    deepFreeze(Object.freeze({ inner }));
    expect(Object.isFrozen(inner)).toBe(true);
  });

  it('passes primitives and null through', () => {
    expect(deepFreeze('text')).toBe('text');
    expect(deepFreeze(null)).toBe(null);
    expect(deepFreeze(3)).toBe(3);
  });

  it('rejects values it cannot protect, naming the path', () => {
    expect(() => deepFreeze({ a: [{ when: new Date() }] })).toThrow('message is not plain data: a Date at $.a[0].when');
    expect(() => deepFreeze({ m: new Map() })).toThrow('a Map at $.m');
    expect(() => deepFreeze({ f: () => 1 })).toThrow('a function at $.f');
    expect(() => deepFreeze({ b: new Uint8Array(2) })).toThrow('a binary buffer at $.b');
  });

  it('reports a cycle instead of overflowing the stack', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => deepFreeze(a)).toThrow(/nesting deeper than 100 levels \(a cycle\?\)/);
  });
});
