import { describe, expect, it } from 'vitest';
import { checkDocument, GUARD_LIMITS, parseGraphText } from './guard.ts';

describe('parseGraphText', () => {
  it('parses a valid document (and ignores a byte-order mark)', () => {
    expect(parseGraphText('\uFEFF{"a": [1, "x", true, null, -2.5e3]}')).toEqual({
      ok: true,
      value: { a: [1, 'x', true, null, -2500] },
      problems: [],
    });
  });

  it('refuses text over the size limit before scanning it', () => {
    const text = ' '.repeat(GUARD_LIMITS.maxChars + 1);
    expect(parseGraphText(text).problems).toMatchObject([
      {
        severity: 'error',
        path: '',
        code: 'too_large',
        message: `the document is ${GUARD_LIMITS.maxChars + 1} characters; the limit is 5000000`,
      },
    ]);
  });

  it('refuses 10,000-deep nesting without blowing the stack, naming where', () => {
    const r = parseGraphText('['.repeat(10_000) + ']'.repeat(10_000));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({
      code: 'too_deep',
      path: '/0'.repeat(64),
      message: 'nesting is deeper than 64 levels, at line 1, column 65 (position 64)',
    });
  });

  it('reports the path of a too-deep value inside objects', () => {
    const text = '{"meta": {"x": ' + '{"a":'.repeat(63) + '1' + '}'.repeat(63) + '}}';
    expect(parseGraphText(text).problems[0]).toMatchObject({ code: 'too_deep', path: '/meta/x' + '/a'.repeat(62) });
  });

  it('accepts nesting exactly at the limit', () => {
    expect(parseGraphText('['.repeat(64) + ']'.repeat(64)).ok).toBe(true);
  });

  it.each([
    ['{"a": }', '/a', 'invalid JSON at line 1, column 7 (position 6): unexpected "}" where a value was expected'],
    ['{"a": 1,\n "b" 2}', '/b', 'invalid JSON at line 2, column 6 (position 14): expected ":" after a property name'],
    ['[1, 2', '/1', 'invalid JSON at line 1, column 6 (position 5): unexpected end of input'],
    ['{a: 1}', '', 'invalid JSON at line 1, column 2 (position 1): expected a property name in double quotes'],
    [
      '{"a": "x\ny"}',
      '/a',
      'invalid JSON at line 1, column 9 (position 8): control character inside a string (escape it)',
    ],
    ['{"a": "\\q"}', '/a', 'invalid JSON at line 1, column 8 (position 7): invalid escape in string'],
    ['[01]', '/0', 'invalid JSON at line 1, column 3 (position 2): expected "," or "]"'],
    ['{} {}', '', 'invalid JSON at line 1, column 4 (position 3): unexpected "{" after the end of the document'],
    ['', '', 'invalid JSON at line 1, column 1 (position 0): unexpected end of input'],
    ['[tru]', '/0', 'invalid JSON at line 1, column 2 (position 1): unexpected "t" where a value was expected'],
    ['"abc', '', 'invalid JSON at line 1, column 5 (position 4): unterminated string'],
    ['[1.]', '/0', 'invalid JSON at line 1, column 3 (position 2): expected "," or "]"'],
  ])('refuses invalid JSON %j with position and path', (text, path, message) => {
    expect(parseGraphText(text).problems).toMatchObject([{ severity: 'error', path, code: 'invalid_json', message }]);
  });

  it('agrees with JSON.parse on escapes and unicode', () => {
    const text = '{"k\\u00e9y": "\\"\\\\\\/\\b\\f\\n\\r\\t\\u2603", "e": 1E+2}';
    expect(parseGraphText(text)).toEqual({ ok: true, value: JSON.parse(text), problems: [] });
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s anywhere, with its path', (key) => {
    const r = parseGraphText(`{"agents": [{"config": {"${key}": {"polluted": true}}}]}`);
    expect(r.problems).toMatchObject([
      {
        severity: 'error',
        path: `/agents/0/config/${key}`,
        code: 'forbidden_key',
        message: `the key "${key}" is not allowed (it could alter object prototypes)`,
      },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a forbidden key hidden behind an escape', () => {
    expect(parseGraphText('{"\\u005f_proto__": 1}').problems[0]).toMatchObject({
      code: 'forbidden_key',
      path: '/__proto__',
    });
  });
});

describe('checkDocument', () => {
  it('accepts plain JSON data', () => {
    expect(checkDocument({ a: [1, 'b', null, { c: false }] })).toEqual([]);
  });

  it('reports every forbidden key in document order', () => {
    const doc = JSON.parse('{"a": {"constructor": 1}, "b": [{"prototype": 2}], "__proto__": 3}');
    expect(checkDocument(doc).map((p) => p.path)).toMatchObject(['/a/constructor', '/b/0/prototype', '/__proto__']);
  });

  it('refuses deep values iteratively', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(checkDocument(deep)).toMatchObject([
      { severity: 'error', path: '/0'.repeat(64), code: 'too_deep', message: 'nesting is deeper than 64 levels' },
    ]);
  });

  it('treats undefined as an absent field, as JSON.stringify does', () => {
    expect(checkDocument({ label: undefined, xs: [1] })).toEqual([]);
  });

  it('refuses values JSON cannot hold', () => {
    expect(checkDocument({ f: () => 1, n: Number.NaN, u: undefined, big: 1n })).toMatchObject([
      { severity: 'error', path: '/f', code: 'not_json', message: 'function values are not allowed in JSON' },
      { severity: 'error', path: '/n', code: 'not_json', message: 'must be a finite number' },
      { severity: 'error', path: '/big', code: 'not_json', message: 'bigint values are not allowed in JSON' },
    ]);
  });

  it('refuses cycles but accepts shared (non-circular) values', () => {
    const shared = { x: 1 };
    expect(checkDocument({ a: shared, b: shared })).toEqual([]);
    const loop: Record<string, unknown> = {};
    loop.self = { back: loop };
    expect(checkDocument(loop)).toMatchObject([
      {
        severity: 'error',
        path: '/self/back',
        code: 'circular',
        message: 'refers back to a value that contains it (circular)',
      },
    ]);
  });

  it('refuses documents with too many values', () => {
    const huge = { xs: new Array(GUARD_LIMITS.maxValues).fill(0) };
    expect(checkDocument(huge)).toMatchObject([
      { severity: 'error', path: '', code: 'too_large', message: 'the document holds more than 1000000 values' },
    ]);
  });
});
