import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGraphText, validateGraph, type Problem } from '../../schemas/index.ts';
import { count } from './harness/tally.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * Random documents against the validator: it must never throw, always answer with problems that
 * carry a code, a JSON Pointer and a message, and accept a document only with a graph in hand.
 */
const RUNS = 500;

function wellFormed(problems: Problem[]): boolean {
  return problems.every(
    (p) => typeof p.code === 'string' && p.code.length > 0 && /^(\/[^/]*)*$/.test(p.path) && p.message.length > 0,
  );
}
const checked = (result: ReturnType<typeof validateGraph>) => {
  // validateGraph turns its own exceptions into an internal_error problem: that is a bug too.
  expect(result.problems.filter((p) => p.code === 'internal_error')).toEqual([]);
  expect(wellFormed(result.problems)).toBe(true);
  expect(result.ok).toBe(!result.problems.some((p) => p.severity === 'error'));
  if (result.ok) expect(result.graph).toBeDefined();
};

/** A path into the echo graph and a hostile value to put there. */
const hostileValue = fc.oneof(
  fc.anything({
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
  }),
  fc.constantFrom(
    '..',
    '../x',
    'a/b',
    '\u0000',
    '__proto__',
    '<script>alert(1)</script>',
    '',
    ' ',
    '\u202e',
    'x'.repeat(70_000),
  ),
  fc.constantFrom(Number.NaN, Infinity, -0, 2 ** 53, -1, 0.5),
);
const edit = fc.record({
  path: fc.array(
    fc.oneof(
      fc.constantFrom(
        'agents',
        'topics',
        'subscriptions',
        'publications',
        'models',
        'config',
        'id',
        'type',
        'kind',
        'topic',
        'agent',
        'limits',
        'layout',
        'nodes',
        'entry',
        'output',
        'version',
        'format',
        '__proto__',
        'constructor',
      ),
      fc.nat(3),
    ),
    { minLength: 1, maxLength: 5 },
  ),
  value: hostileValue,
});

/** Only plain containers are edited; a random value may be a typed array or a Map. */
const editable = (v: unknown): v is Record<string | number, unknown> =>
  v !== null &&
  typeof v === 'object' &&
  (Array.isArray(v) || [Object.prototype, null].includes(Object.getPrototypeOf(v)));
const put = (at: Record<string | number, unknown>, key: string | number, value: unknown) =>
  Object.defineProperty(at, key, { value, enumerable: true, writable: true, configurable: true });

function applyEdit(doc: any, path: (string | number)[], value: unknown) {
  let at: unknown = doc;
  for (const key of path.slice(0, -1)) {
    if (!editable(at)) return;
    if (!Object.hasOwn(at, key)) put(at, key, {});
    at = at[key];
  }
  if (editable(at)) put(at, path.at(-1)!, value);
}

describe('validator properties', () => {
  it('any value at all: never throws, answers with located problems', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withNullPrototype: true,
          withObjectString: true,
          maxDepth: 6,
        }),
        (value) => {
          checked(validateGraph(value));
        },
      ),
      { numRuns: RUNS },
    );
    count({ cases: RUNS });
  });

  it('the echo graph with up to 5 hostile edits at random paths: never throws', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 5 }), (edits) => {
        const doc = structuredClone(echoGraph()) as any;
        for (const { path, value } of edits) applyEdit(doc, path, value);
        checked(validateGraph(doc));
      }),
      { numRuns: RUNS },
    );
    count({ cases: RUNS });
  });

  it('any text, and JSON text cut or spliced at a random point: the parser never throws', () => {
    const valid = JSON.stringify(echoGraph());
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc
            .tuple(fc.nat(valid.length), fc.string({ maxLength: 5 }))
            .map(([at, junk]) => valid.slice(0, at) + junk + valid.slice(at + junk.length)),
        ),
        (text) => {
          const parsed = parseGraphText(text);
          if (parsed.ok) checked(validateGraph(parsed.value));
          else expect(wellFormed(parsed.problems)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
    count({ cases: RUNS });
  });
});
