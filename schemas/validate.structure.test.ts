import { describe, expect, it } from 'vitest';
import { validGraph } from './fixtures.ts';
import { brief, problemsAfter, type Doc } from './test-support.ts';
import { validateGraph } from './validate.ts';

describe('validateGraph: a valid graph', () => {
  it('has no problems and returns the parsed graph with defaults', () => {
    const r = validateGraph(validGraph());
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect(r.graph?.limits.maxMessagesPerTurn).toBe(100);
    expect(r.graph?.subscriptions[0]?.kind).toBe('type');
  });
});

describe('validateGraph: structural', () => {
  it('reports a missing required field with its path', () => {
    const ps = problemsAfter((g) => delete (g as Partial<Doc>).name);
    expect(ps).toMatchObject([
      { severity: 'error', path: '/name', code: 'required', message: 'is required (a string)' },
    ]);
  });

  it('reports a wrong type saying what was found, and marks the node', () => {
    const ps = problemsAfter((g) => ((g.agents[1] as Record<string, unknown>).config = { model: 42 }));
    expect(ps[0]).toMatchObject({
      severity: 'error',
      path: '/agents/1/config/model',
      code: 'invalid_type',
      message: 'must be a string, not number 42',
      nodeId: 'billing',
    });
  });

  it('reports an unknown agent kind with the allowed kinds', () => {
    const ps = problemsAfter((g) => ((g.agents[2] as Record<string, unknown>).kind = 'wizard'));
    expect(ps[0]).toMatchObject({ path: '/agents/2/kind', code: 'invalid_value', nodeId: 'tech' });
    expect(ps[0]!.message).toBe(
      'string "wizard" is not one of "assistant", "user", "router", "tool", "aggregator", "terminator"',
    );
  });

  it('reports each unknown top-level field at its own path', () => {
    const ps = problemsAfter((g) => Object.assign(g, { nodes: [], edges: [] }));
    expect(brief(ps)).toMatchObject(['error unknown_field /nodes', 'error unknown_field /edges']);
    expect(ps[0]!.message).toBe('"nodes" is not a known field here');
  });

  it('warns about agent fields the schema would drop silently', () => {
    const ps = problemsAfter((g) => Object.assign(g.agents[0]!, { lable: 'typo' }));
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/agents/0/lable',
        code: 'unknown_field',
        message: '"lable" is not a field of an agent and is dropped',
        nodeId: 'triage',
      },
    ]);
  });

  it("uses the schema's own plain messages for ids", () => {
    const ps = problemsAfter((g) => (g.topics[0]!.id = '../etc'));
    expect(ps[0]).toMatchObject({
      severity: 'error',
      path: '/topics/0/id',
      code: 'invalid_format',
      message: 'may only contain letters, digits, "_" and "-"',
      nodeId: '../etc',
    });
  });

  it('reports a missing output list as too small', () => {
    const ps = problemsAfter((g) => (g.output = []));
    expect(ps).toMatchObject([
      { severity: 'error', path: '/output', code: 'too_small', message: 'needs at least one output topic' },
    ]);
  });

  it('says "too big" in plain words with the limit', () => {
    const ps = problemsAfter((g) => (g.agents[1]!.config = { model: 'm', tools: Array(17).fill('calculator') }));
    expect(ps[0]).toMatchObject({
      path: '/agents/1/config/tools',
      code: 'too_big',
      message: 'must be at most 16 items',
    });
  });

  it('explains a bad record key with the id rule', () => {
    const ps = problemsAfter((g) => (g.layout!.nodes!['a b'] = { x: 0, y: 0 }));
    expect(ps[0]).toMatchObject({
      severity: 'error',
      path: '/layout/nodes/a b',
      code: 'invalid_key',
      message: 'the key "a b" is not allowed: it may only contain letters, digits, "_" and "-"',
    });
  });

  it('says "whole number", "must not be empty" and "URL" in plain words', () => {
    const ps = problemsAfter((g) => {
      g.limits = { maxMessagesPerTurn: 1.5 };
      g.models!.push({ id: 'o', provider: 'openai', model: '', baseUrl: 'not a url' });
    });
    expect(ps.map((p) => `${p.path}: ${p.message}`)).toMatchObject([
      '/models/1/model: must not be empty',
      '/models/1/baseUrl: must be a valid URL',
      '/limits/maxMessagesPerTurn: must be a whole number, not number 1.5',
    ]);
  });

  it('does not flood with dangling references when a whole collection is unreadable', () => {
    const ps = problemsAfter((g) => ((g as Record<string, unknown>).agents = {}));
    expect(ps).toMatchObject([
      { severity: 'error', path: '/agents', code: 'invalid_type', message: 'must be an array, not an object' },
    ]);
  });

  it('refuses a wrong format with the expected value', () => {
    const ps = problemsAfter((g) => ((g as Record<string, unknown>).format = 'flowise'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/format',
        code: 'invalid_value',
        message: 'must be "switchboard/graph", not string "flowise"',
      },
    ]);
  });

  it('refuses a document that is not an object', () => {
    expect(validateGraph([1, 2]).problems).toMatchObject([
      { severity: 'error', path: '', code: 'invalid_type', message: 'a graph document must be a JSON object' },
    ]);
  });

  it('still runs the semantic rules on the valid parts of a broken document', () => {
    const ps = problemsAfter((g) => {
      g.name = '';
      g.subscriptions[1]!.agent = 'ghost';
    });
    expect(brief(ps)).toMatchObject(['error too_small /name', 'error unknown_agent /subscriptions/1/agent']);
  });

  it('does not call references to a broken item dangling', () => {
    const ps = problemsAfter((g) => ((g.topics[1] as Record<string, unknown>).type = 'has space'));
    expect(brief(ps)).toMatchObject(['error invalid_format /topics/1/type']);
  });

  it('returns no graph when the structure is invalid', () => {
    const r = validateGraph({ ...validGraph(), name: 5 });
    expect(r.ok).toBe(false);
    expect(r.graph).toBeUndefined();
  });
});

describe('validateGraph: guard', () => {
  it('refuses prototype-pollution keys before zod sees them', () => {
    const doc = JSON.parse('{"format":"switchboard/graph","layout":{"nodes":{"__proto__":{"x":1,"y":1}}}}');
    expect(validateGraph(doc).problems).toMatchObject([
      {
        severity: 'error',
        path: '/layout/nodes/__proto__',
        code: 'forbidden_key',
        message: 'the key "__proto__" is not allowed (it could alter object prototypes)',
      },
    ]);
  });

  it('refuses circular values', () => {
    const g = validGraph() as Doc;
    g.meta = { tags: [] };
    (g.meta as Record<string, unknown>).self = g;
    expect(brief(validateGraph(g).problems)).toMatchObject(['error circular /meta/self']);
  });
});

describe('validateGraph: versions', () => {
  it('upgrades an older version and says so', () => {
    const r = validateGraph({
      version: 0,
      id: 'old',
      title: 'Old',
      nodes: [{ id: 't', kind: 'topic', name: 't' }],
      edges: [],
      entry: 't',
      output: 't',
    });
    expect(r.graph?.version).toBe(1);
    expect(r.problems[0]).toMatchObject({
      severity: 'warning',
      path: '/version',
      code: 'migrated',
      message: 'upgraded from version 0; save the graph to keep the new format',
    });
  });

  it('refuses a future version clearly', () => {
    expect(validateGraph({ ...validGraph(), version: 2 }).problems).toMatchObject([
      {
        severity: 'error',
        path: '/version',
        code: 'future_version',
        message: 'version 2 is newer than this Switchboard understands (up to 1); upgrade Switchboard to open it',
      },
    ]);
  });
});

describe('validateGraph: reports everything at once', () => {
  it('collects problems of every level in one result', () => {
    const ps = problemsAfter((g) => {
      g.description = 'x'.repeat(10_001);
      g.agents[2]!.type = 'billing';
      g.subscriptions[1]!.topic = 'nowhere';
      g.layout!.nodes!['gone'] = { x: 0, y: 0 };
    });
    expect(brief(ps)).toMatchObject([
      'error too_big /description',
      'error duplicate_agent_type /agents/2/type',
      'error unknown_topic /subscriptions/1/topic',
      'warning layout_unknown_node /layout/nodes/gone',
    ]);
  });
});

describe('validateGraph: entry and output', () => {
  it('reports a missing entry and a missing output list', () => {
    const ps = problemsAfter((g) => {
      delete (g as Partial<Doc>).entry;
      delete (g as Partial<Doc>).output;
    });
    expect(ps).toMatchObject([
      { severity: 'error', path: '/entry', code: 'required', message: 'is required (a string)' },
      { severity: 'error', path: '/output', code: 'required', message: 'is required (an array)' },
    ]);
  });
});

describe('validateGraph: fields the schema drops', () => {
  it('warns about a mistyped scripted rule field (it would otherwise match everything)', () => {
    const ps = problemsAfter(
      (g) =>
        (g.models![0] = {
          id: 'm',
          provider: 'scripted',
          rules: [{ match: { contain: 'x' } as never, reply: 'r', replies: [] } as never],
          tokensize: 2,
        } as never),
    );
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/models/0/tokensize',
        code: 'unknown_field',
        message: '"tokensize" is not a field of a scripted model and is dropped',
      },
      {
        severity: 'warning',
        path: '/models/0/rules/0/replies',
        code: 'unknown_field',
        message: '"replies" is not a field of a scripted rule and is dropped',
      },
      {
        severity: 'warning',
        path: '/models/0/rules/0/match/contain',
        code: 'unknown_field',
        message: '"contain" is not a field of a rule match and is dropped',
      },
    ]);
  });

  it('is not fooled by a provider named like an Object.prototype member', () => {
    const ps = problemsAfter((g) => (g.models![0] = { id: 'm', provider: '__proto__' } as never));
    expect(ps[0]).toMatchObject({ path: '/models/0/provider', code: 'invalid_value' });
    expect(ps.map((p) => p.code)).not.toContain('internal_error');
  });

  it('warns about unknown fields of an openai model', () => {
    const ps = problemsAfter((g) =>
      g.models!.push({ id: 'o', provider: 'openai', model: 'gpt-4o', apiKey: 'sk-oops' } as never),
    );
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/models/1/apiKey',
        code: 'unknown_field',
        message:
          '"apiKey" is not a field of an openai model and is dropped; secrets belong in the runner config, named by "credential"',
      },
    ]);
  });
});
