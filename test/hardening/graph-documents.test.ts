import { describe, expect, it } from 'vitest';
import { parseGraphText, validateGraph, type Problem } from '../../schemas/index.ts';
import { hostileCases, type ObservedError } from './harness/cases.ts';
import { clone, echoGraph } from './fixtures/graphs.ts';

/** A document as JSON text (parsed by the guard first) or as an already-parsed value (a request body). */
type Doc = { text: string } | { value: unknown };

/** The first error the validator reports; asserting its code, JSON path and message pins the case. */
function firstError(doc: Doc): ObservedError {
  let value: unknown;
  if ('text' in doc) {
    const parsed = parseGraphText(doc.text);
    if (!parsed.ok) return pick(parsed.problems);
    value = parsed.value;
  } else value = doc.value;
  return pick(validateGraph(value).problems);
}
const pick = (problems: Problem[]): ObservedError => {
  const error = problems.find((p) => p.severity === 'error');
  return error && { code: error.code, path: error.path, message: error.message };
};

/** The echo graph with one change; `edit` mutates a private copy. */
const graphWith = (edit: (g: any) => void): Doc => {
  const g = clone(echoGraph()) as any;
  edit(g);
  return { value: g };
};
const nested = (depth: number, leaf: unknown = 1) => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const zeros = (depth: number) => '/0'.repeat(depth);
const ID_RULE = 'may only contain letters, digits, "_" and "-"';

describe('hostile graph documents', () => {
  it('the untouched fixture is valid, so every case below fails for its own reason', () => {
    expect(validateGraph(echoGraph())).toMatchObject({ ok: true });
  });

  hostileCases<Doc>(
    [
      // ---- not JSON at all
      {
        name: 'empty text',
        input: { text: '' },
        expect: { code: 'invalid_json', path: '', message: /line 1, column 1 .*unexpected end of input/ },
      },
      {
        name: 'a bare word',
        input: { text: 'hello' },
        expect: { code: 'invalid_json', path: '', message: /unexpected "h" where a value was expected/ },
      },
      {
        name: 'truncated document',
        input: { text: '{"format": ' },
        expect: { code: 'invalid_json', path: '/format', message: /column 12 .*unexpected end of input/ },
      },
      {
        name: 'trailing comma',
        input: { text: '{"a":1,}' },
        expect: { code: 'invalid_json', message: /column 8 .*expected a property name in double quotes/ },
      },
      {
        name: 'NaN literal',
        input: { text: '{"a":NaN}' },
        expect: { code: 'invalid_json', path: '/a', message: /unexpected "N" where a value was expected/ },
      },
      {
        name: 'garbage after the document',
        input: { text: '{} x' },
        expect: { code: 'invalid_json', path: '', message: /unexpected "x" after the end of the document/ },
      },
      {
        name: 'raw control character inside a string',
        input: { text: '{"a":"x\u0001y"}' },
        expect: { code: 'invalid_json', path: '/a', message: /control character inside a string/ },
      },
      {
        name: 'invalid escape',
        input: { text: '{"a":"\\q"}' },
        expect: { code: 'invalid_json', path: '/a', message: /invalid escape in string/ },
      },
      // ---- sizes and nesting
      {
        name: '10 MB document text',
        input: () => ({ text: JSON.stringify({ ...echoGraph(), description: 'x'.repeat(10_000_000) }) }),
        expect: { code: 'too_large', path: '', message: /the limit is 5000000/ },
      },
      {
        name: '10 MB description in a parsed body',
        input: () => ({ value: { ...echoGraph(), description: 'x'.repeat(10_000_000) } }),
        expect: { code: 'too_big', path: '/description', message: 'must be at most 10000 characters' },
      },
      {
        name: 'more than a million values',
        input: () => ({ value: { ...echoGraph(), meta: { tags: new Array(1_100_000).fill(0) } } }),
        expect: { code: 'too_large', path: '', message: 'the document holds more than 1000000 values' },
      },
      {
        name: '10,000-deep arrays as text',
        input: { text: '['.repeat(10_000) + ']'.repeat(10_000) },
        expect: { code: 'too_deep', path: zeros(64), message: /nesting is deeper than 64 levels/ },
      },
      {
        name: '10,000-deep objects as text',
        input: { text: '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000) },
        expect: { code: 'too_deep', path: '/a'.repeat(64), message: /nesting is deeper than 64 levels/ },
      },
      {
        name: '10,000-deep value in a parsed body',
        input: () => graphWith((g) => (g.meta = { tags: nested(10_000) })),
        expect: { code: 'too_deep', path: '/meta/tags' + zeros(62) },
      },
      {
        name: 'more than 5000 agents',
        input: () =>
          graphWith(
            (g) =>
              (g.agents = Array.from({ length: 5001 }, (_, i) => ({ ...g.agents[0], id: `a${i}`, type: `a${i}` }))),
          ),
        expect: { code: 'too_big', path: '/agents', message: 'must be at most 5000 items' },
      },
      // ---- prototype pollution
      {
        name: '__proto__ at the top (text)',
        input: { text: '{"__proto__":{"polluted":true}}' },
        expect: { code: 'forbidden_key', path: '/__proto__' },
      },
      {
        name: '__proto__ inside an agent (text)',
        input: () => ({
          text: JSON.stringify(echoGraph()).replace(
            '"kind":"assistant"',
            '"kind":"assistant","__proto__":{"isAdmin":true}',
          ),
        }),
        expect: { code: 'forbidden_key', path: '/agents/0/__proto__', message: /the key "__proto__" is not allowed/ },
      },
      {
        name: 'constructor key in the layout',
        input: () => graphWith((g) => (g.layout = { nodes: { constructor: { x: 1, y: 1 } } })),
        expect: { code: 'forbidden_key', path: '/layout/nodes/constructor' },
      },
      {
        name: 'prototype key at the top',
        input: () => graphWith((g) => (g.prototype = {})),
        expect: { code: 'forbidden_key', path: '/prototype' },
      },
      // ---- format and version
      {
        name: 'not an object: array',
        input: { value: [] },
        expect: { code: 'invalid_type', path: '', message: 'a graph document must be a JSON object' },
      },
      {
        name: 'not an object: null',
        input: { value: null },
        expect: { code: 'invalid_type', path: '', message: 'a graph document must be a JSON object' },
      },
      { name: 'not an object: string', input: { text: '"graph"' }, expect: { code: 'invalid_type', path: '' } },
      {
        name: 'wrong format',
        input: () => graphWith((g) => (g.format = 'other/graph')),
        expect: {
          code: 'invalid_value',
          path: '/format',
          message: 'must be "switchboard/graph", not string "other/graph"',
        },
      },
      {
        name: 'future version',
        input: () => graphWith((g) => (g.version = 99)),
        expect: { code: 'future_version', path: '/version', message: /newer than this Switchboard understands/ },
      },
      {
        name: 'version as a string',
        input: () => graphWith((g) => (g.version = '1')),
        expect: { code: 'invalid_version', path: '/version' },
      },
      {
        name: 'negative version',
        input: () => graphWith((g) => (g.version = -1)),
        expect: { code: 'invalid_version', path: '/version' },
      },
      {
        name: 'missing version',
        input: () => graphWith((g) => delete g.version),
        expect: { code: 'required', path: '/version' },
      },
      // ---- missing fields and wrong types
      {
        name: 'missing name',
        input: () => graphWith((g) => delete g.name),
        expect: { code: 'required', path: '/name', message: 'is required (a string)' },
      },
      {
        name: 'missing entry',
        input: () => graphWith((g) => delete g.entry),
        expect: { code: 'required', path: '/entry' },
      },
      {
        name: 'missing agents',
        input: () => graphWith((g) => delete g.agents),
        expect: { code: 'required', path: '/agents', message: 'is required (an array)' },
      },
      {
        name: 'agents as an object',
        input: () => graphWith((g) => (g.agents = {})),
        expect: { code: 'invalid_type', path: '/agents', message: 'must be an array, not an object' },
      },
      {
        name: 'name as a number',
        input: () => graphWith((g) => (g.name = 42)),
        expect: { code: 'invalid_type', path: '/name', message: 'must be a string, not number 42' },
      },
      {
        name: 'empty name',
        input: () => graphWith((g) => (g.name = '')),
        expect: { code: 'too_small', path: '/name', message: 'must not be empty' },
      },
      {
        name: 'no output topic',
        input: () => graphWith((g) => (g.output = [])),
        expect: { code: 'too_small', path: '/output', message: 'needs at least one output topic' },
      },
      {
        name: 'unknown agent kind',
        input: () => graphWith((g) => (g.agents[0].kind = 'wizard')),
        expect: { code: 'invalid_value', path: '/agents/0/kind' },
      },
      {
        name: 'unknown top-level field',
        input: () => graphWith((g) => (g.extra = 1)),
        expect: { code: 'unknown_field', path: '/extra' },
      },
      {
        name: 'fractional message budget',
        input: () => graphWith((g) => (g.limits = { maxMessagesPerTurn: 1.5 })),
        expect: { code: 'invalid_type', path: '/limits/maxMessagesPerTurn' },
      },
      {
        name: 'zero message budget',
        input: () => graphWith((g) => (g.limits = { maxMessagesPerTurn: 0 })),
        expect: { code: 'too_small', path: '/limits/maxMessagesPerTurn', message: 'must be at least 1' },
      },
      {
        name: 'Infinity as a position',
        input: () => graphWith((g) => (g.layout = { nodes: { echo: { x: Infinity, y: 0 } } })),
        expect: { code: 'not_json', path: '/layout/nodes/echo/x' },
      },
      {
        name: 'a function as a value',
        input: () => graphWith((g) => (g.name = () => 'x')),
        expect: { code: 'not_json', path: '/name', message: /function/ },
      },
      {
        name: 'a bigint as a value',
        input: () => graphWith((g) => (g.name = 1n)),
        expect: { code: 'not_json', path: '/name' },
      },
      {
        name: 'a circular value',
        input: () => graphWith((g) => (g.meta = { tags: [], self: g })),
        expect: { code: 'circular', path: '/meta/self' },
      },
      // ---- ids: duplicates, references, and ids that could become file paths
      {
        name: 'duplicate agent id',
        input: () => graphWith((g) => g.agents.push({ ...g.agents[0], type: 'echo2' })),
        expect: { code: 'duplicate_id', path: '/agents/1/id', message: 'id "echo" is already used at /agents/0' },
      },
      {
        name: 'topic id reusing an edge id',
        input: () => graphWith((g) => g.topics.push({ id: 's1', type: 'other' })),
        expect: { code: 'duplicate_id', path: '/subscriptions/0/id' },
      },
      {
        name: 'duplicate agent type',
        input: () => graphWith((g) => g.agents.push({ ...g.agents[0], id: 'echo2' })),
        expect: { code: 'duplicate_agent_type', path: '/agents/1/type' },
      },
      {
        name: 'subscription to an unknown topic',
        input: () => graphWith((g) => (g.subscriptions[0].topic = 'nowhere')),
        expect: { code: 'unknown_topic', path: '/subscriptions/0/topic' },
      },
      {
        name: 'assistant with an unknown model',
        input: () => graphWith((g) => (g.agents[0].config.model = 'gpt')),
        expect: { code: 'unknown_model', path: '/agents/0/config/model' },
      },
      {
        name: 'entry naming an agent',
        input: () => graphWith((g) => (g.entry = 'echo')),
        expect: { code: 'unknown_topic', path: '/entry' },
      },
      {
        name: 'graph id with a slash',
        input: () => graphWith((g) => (g.id = 'a/b')),
        expect: { code: 'invalid_format', path: '/id', message: ID_RULE },
      },
      {
        name: 'graph id ".."',
        input: () => graphWith((g) => (g.id = '..')),
        expect: { code: 'invalid_format', path: '/id', message: ID_RULE },
      },
      {
        name: 'graph id "../../etc/passwd"',
        input: () => graphWith((g) => (g.id = '../../etc/passwd')),
        expect: { code: 'invalid_format', path: '/id', message: ID_RULE },
      },
      {
        name: 'graph id with backslashes',
        input: () => graphWith((g) => (g.id = '..\\..\\windows')),
        expect: { code: 'invalid_format', path: '/id', message: ID_RULE },
      },
      {
        name: 'graph id with a NUL byte',
        input: () => graphWith((g) => (g.id = 'a\u0000b')),
        expect: { code: 'invalid_format', path: '/id', message: ID_RULE },
      },
      {
        name: 'agent id with a slash',
        input: () => graphWith((g) => (g.agents[0].id = 'x/y')),
        expect: { code: 'invalid_format', path: '/agents/0/id' },
      },
      {
        name: 'topic type with a path',
        input: () => graphWith((g) => (g.topics[0].type = 'in/../x')),
        expect: { code: 'invalid_format', path: '/topics/0/type' },
      },
      {
        name: '65-character id',
        input: () => graphWith((g) => (g.id = 'a'.repeat(65))),
        expect: { code: 'too_big', path: '/id', message: 'must be at most 64 characters' },
      },
      // ---- control characters in text
      {
        name: 'BEL in an agent label',
        input: () => graphWith((g) => (g.agents[0].label = 'a\u0007b')),
        expect: { code: 'invalid_format', path: '/agents/0/label', message: 'must not contain control characters' },
      },
      {
        name: 'ESC in the graph name',
        input: () => graphWith((g) => (g.name = 'x\u001b[31mred')),
        expect: { code: 'invalid_format', path: '/name', message: 'must not contain control characters' },
      },
      {
        name: 'DEL in the graph name',
        input: () => graphWith((g) => (g.name = 'x\u007f')),
        expect: { code: 'invalid_format', path: '/name' },
      },
    ],
    firstError,
  );

  it('HTML and script in labels are valid text (the designer must render them inertly; see designer-labels.test.ts)', () => {
    const doc = clone(echoGraph()) as any;
    doc.agents[0].label = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';
    expect(validateGraph(doc)).toMatchObject({ ok: true, problems: [] });
  });
});
