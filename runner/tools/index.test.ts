import { describe, expect, it } from 'vitest';
import type { UserMemory } from './types.ts';
import { runTool, toolArgsFromMessage, toolSpecs } from './index.ts';

const ctx = { allowedHosts: [] };

function memoryStore(): UserMemory & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: async (k) => data.get(k),
    set: async (k, v) => void data.set(k, v),
    list: async () => Object.fromEntries(data),
  };
}

describe('tool specs', () => {
  it('give OpenAI object schemas for every tool', () => {
    const specs = toolSpecs(['calculator', 'current_time', 'http_get', 'json_path', 'memory']);
    for (const s of specs) {
      expect(s.parameters.type).toBe('object');
      expect(s.parameters).not.toHaveProperty('$schema');
      expect(s.description.length).toBeGreaterThan(10);
    }
    expect(specs[0]).toMatchObject({
      name: 'calculator',
      parameters: { properties: { expression: { type: 'string' } }, required: ['expression'] },
    });
  });
});

describe('runTool', () => {
  it('runs a tool from JSON text arguments', async () => {
    expect(await runTool('calculator', '{"expression":"2+3*4"}', ctx)).toEqual({ ok: true, output: '14' });
  });

  it('never throws: unknown tools, bad JSON, bad arguments and failures come back as readable errors', async () => {
    expect(await runTool('rm_rf', {}, ctx)).toEqual({
      ok: false,
      output: expect.stringMatching(/^Error: unknown tool "rm_rf"; available: calculator/),
    });
    expect((await runTool('calculator', '{"expression": ', ctx)).output).toMatch(
      /^Error: calculator: the arguments are not valid JSON/,
    );
    expect((await runTool('calculator', { expr: '1' }, ctx)).output).toMatch(
      /^Error: calculator: invalid arguments: expression: /,
    );
    expect(await runTool('calculator', { expression: '1/0' }, ctx)).toEqual({
      ok: false,
      output: 'Error: calculator: division by zero',
    });
  });

  it('current_time gives UTC or the named zone, and names a bad zone', async () => {
    expect((await runTool('current_time', {}, ctx)).output).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await runTool('current_time', { timezone: 'Asia/Tokyo' }, ctx)).output).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Asia\/Tokyo \(/,
    );
    expect((await runTool('current_time', { timezone: 'Mars/Olympus' }, ctx)).output).toBe(
      'Error: current_time: unknown time zone "Mars/Olympus" (use an IANA name such as "Europe/Paris")',
    );
  });

  it('json_path reads nested values and names the missing step', async () => {
    const json = JSON.stringify({ order: { items: [{ name: 'lamp', price: 12.5 }], 'ship to': 'Oslo' } });
    expect((await runTool('json_path', { json, path: '$.order.items[0].name' }, ctx)).output).toBe('lamp');
    expect((await runTool('json_path', { json, path: "order['ship to']" }, ctx)).output).toBe('Oslo');
    expect((await runTool('json_path', { json, path: '$.order.items' }, ctx)).output).toBe(
      '[{"name":"lamp","price":12.5}]',
    );
    expect((await runTool('json_path', { json, path: '$.order.items[3].name' }, ctx)).output).toBe(
      'Error: json_path: no value at $.order.items[3]',
    );
    expect((await runTool('json_path', { json: '{oops', path: '$' }, ctx)).output).toMatch(
      /^Error: json_path: the input is not valid JSON/,
    );
    expect((await runTool('json_path', { json: { a: { toString: 1 } }, path: 'a.constructor' }, ctx)).output).toBe(
      'Error: json_path: no value at $.a.constructor',
    );
  });

  it('memory gets, sets and lists through the session user memory', async () => {
    const memory = memoryStore();
    expect((await runTool('memory', { action: 'set', key: 'city', value: 'Oslo' }, { ...ctx, memory })).output).toBe(
      'stored "city"',
    );
    expect((await runTool('memory', { action: 'get', key: 'city' }, { ...ctx, memory })).output).toBe('Oslo');
    expect((await runTool('memory', { action: 'get', key: 'zip' }, { ...ctx, memory })).output).toBe(
      '(nothing stored under "zip")',
    );
    expect((await runTool('memory', { action: 'list' }, { ...ctx, memory })).output).toBe('{"city":"Oslo"}');
    expect((await runTool('memory', { action: 'set', key: 'x' }, { ...ctx, memory })).output).toBe(
      'Error: memory: "set" needs a value',
    );
    expect((await runTool('memory', { action: 'list' }, ctx)).output).toBe(
      'Error: memory: long-term memory is not available in this session',
    );
  });
});

describe('toolArgsFromMessage', () => {
  it('reads text per tool, or a JSON object as the arguments', () => {
    expect(toolArgsFromMessage('calculator', ' 2 + 2 ', undefined)).toEqual({ expression: '2 + 2' });
    expect(toolArgsFromMessage('calculator', '{"expression":"1+1"}', undefined)).toEqual({ expression: '1+1' });
    expect(toolArgsFromMessage('json_path', '{"a":1}', '$.a')).toEqual({ json: '{"a":1}', path: '$.a' });
    expect(toolArgsFromMessage('http_get', 'red shoes', 'https://api.example.com/search?q={input}')).toEqual({
      url: 'https://api.example.com/search?q=red%20shoes',
    });
    expect(toolArgsFromMessage('memory', 'set city New York', undefined)).toEqual({
      action: 'set',
      key: 'city',
      value: 'New York',
    });
    expect(toolArgsFromMessage('current_time', 'what time is it?', 'UTC')).toEqual({ timezone: 'UTC' });
  });
});
