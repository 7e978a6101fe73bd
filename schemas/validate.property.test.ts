import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { validGraph } from './fixtures.ts';
import { parseGraphText } from './guard.ts';
import type { Problem } from './problem.ts';
import { validateGraph, type ValidationResult } from './validate.ts';

// Property runs are CPU-bound; on a loaded CI machine they need more than the default 5 s.
vi.setConfig({ testTimeout: 60_000 });

const examplesDir = new URL('../examples/', import.meta.url);
const seeds: unknown[] = [
  validGraph(),
  ...readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(new URL(f, examplesDir), 'utf8'))),
];

/** The result is well formed: never an internal error, always located, plain problems. */
function expectWellFormed(r: ValidationResult) {
  expect(Array.isArray(r.problems)).toBe(true);
  for (const p of r.problems as Problem[]) {
    expect(p.code).not.toBe('internal_error');
    expect(['error', 'warning']).toContain(p.severity);
    expect(p.path === '' || p.path.startsWith('/')).toBe(true);
    expect(typeof p.message).toBe('string');
    expect(p.message.length).toBeGreaterThan(0);
  }
  expect(r.ok).toBe(!r.problems.some((p) => p.severity === 'error'));
  if (r.ok) expect(r.graph).toBeDefined();
}

type Container = Record<string, unknown> | unknown[];

/** Every container in a document with the keys it holds, so a mutation can pick any spot. */
function containers(doc: unknown): Container[] {
  const out: Container[] = [];
  const stack = [doc];
  while (stack.length) {
    const v = stack.pop();
    if (v !== null && typeof v === 'object') {
      out.push(v as Container);
      stack.push(...Object.values(v));
    }
  }
  return out;
}

const mutation = fc.record({
  seed: fc.nat(),
  spot: fc.nat(),
  key: fc.nat(),
  op: fc.constantFrom('set', 'delete', 'duplicate', 'rename'),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom('in', 'out', 'm', 'triage', 'tech', 'billing', '', '__proto__', 'model', 'prefix'),
  ),
});

describe('validateGraph never throws', () => {
  it('on arbitrary JavaScript values', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4, withBigInt: true, withNullPrototype: true, withSparseArray: true }), (v) =>
        expectWellFormed(validateGraph(v)),
      ),
      {
        numRuns: 300,
      },
    );
  });

  it('on random graph-shaped documents', () => {
    const node = fc.record(
      {
        id: fc.string({ maxLength: 8 }),
        type: fc.string({ maxLength: 8 }),
        kind: fc.constantFrom('assistant', 'router', 'user', 'tool', 'aggregator', 'terminator', 'x'),
        config: fc.dictionary(
          fc.constantFrom('model', 'rules', 'mode', 'defaultTopic', 'count', 'tool'),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      },
      { requiredKeys: [] },
    );
    const edge = fc.record(
      {
        id: fc.string({ maxLength: 8 }),
        topic: fc.string({ maxLength: 8 }),
        agent: fc.string({ maxLength: 8 }),
        kind: fc.constantFrom('type', 'prefix'),
      },
      { requiredKeys: [] },
    );
    const doc = fc.record(
      {
        format: fc.constant('switchboard/graph'),
        version: fc.constantFrom(0, 1, 2, -1, '1'),
        id: fc.string({ maxLength: 8 }),
        name: fc.string({ maxLength: 8 }),
        agents: fc.array(node, { maxLength: 5 }),
        topics: fc.array(fc.record({ id: fc.string({ maxLength: 8 }), type: fc.string({ maxLength: 8 }) }), {
          maxLength: 5,
        }),
        subscriptions: fc.array(edge, { maxLength: 5 }),
        publications: fc.array(edge, { maxLength: 5 }),
        nodes: fc.array(node, { maxLength: 5 }),
        edges: fc.array(fc.record({ from: fc.string({ maxLength: 8 }), to: fc.string({ maxLength: 8 }) }), {
          maxLength: 5,
        }),
        entry: fc.string({ maxLength: 8 }),
        output: fc.oneof(fc.string({ maxLength: 8 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 })),
        layout: fc.record({
          nodes: fc.dictionary(fc.string({ maxLength: 8 }), fc.record({ x: fc.double(), y: fc.double() })),
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(doc, (d) => expectWellFormed(validateGraph(d))),
      { numRuns: 300 },
    );
  });

  it('on random mutations of valid graphs', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const doc = structuredClone(seeds[mutations[0]!.seed % seeds.length]);
        for (const m of mutations) {
          const all = containers(doc);
          const target = all[m.spot % all.length]!;
          const keys = Object.keys(target);
          const key = keys.length ? keys[m.key % keys.length]! : '0';
          const t = target as Record<string, unknown>;
          if (m.op === 'set') t[key] = m.value;
          else if (m.op === 'delete') Array.isArray(target) ? target.splice(Number(key), 1) : delete t[key];
          else if (m.op === 'duplicate')
            Array.isArray(target)
              ? target.push(structuredClone(target[Number(key)]))
              : (t[`${key}2`] = structuredClone(t[key]));
          else if (!Array.isArray(target) && typeof m.value === 'string') {
            t[m.value] = t[key];
            delete t[key];
          }
        }
        expectWellFormed(validateGraph(doc));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseGraphText agrees with JSON.parse', () => {
  const verdict = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };

  it('on valid JSON and on JSON with a character inserted or removed', () => {
    const edited = fc
      .tuple(
        fc.json({ maxDepth: 5 }),
        fc.nat(),
        fc.constantFrom('', '{', '}', '[', ']', ',', ':', '"', '\\', 'x', ' ', '0', '-', 'e', '.', '\n'),
        fc.boolean(),
      )
      .map(([text, at, ch, remove]) => {
        const i = at % (text.length + 1);
        return remove ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + ch + text.slice(i);
      });
    fc.assert(
      fc.property(edited, (text) => {
        const r = parseGraphText(text);
        // Valid JSON may still be refused for a forbidden key; invalid JSON never passes.
        if (r.ok) expect(verdict(text)).toBe(true);
        else if (r.problems[0]!.code === 'invalid_json') expect(verdict(text)).toBe(false);
        else expect(['forbidden_key', 'not_json']).toContain(r.problems[0]!.code); // not_json: a number beyond ±1.8e308
        if (r.ok) expect(r.value).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('on arbitrary strings of JSON-ish characters', () => {
    const unit = fc.constantFrom(...'{}[],:"\\/ \n\tu0123456789abcdefnrtls-+.eE\u0000\u001f\u2028\uFEFF');
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit }), (text) => {
        const r = parseGraphText(text);
        if (r.ok || r.problems[0]!.code === 'invalid_json') expect(r.ok).toBe(verdict(text.replace(/^\uFEFF/, '')));
      }),
      { numRuns: 1000 },
    );
  });
});
