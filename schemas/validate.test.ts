import { describe, expect, it } from 'vitest';
import { validGraph } from './fixtures.ts';
import type { GraphInput } from './graph.ts';
import { validateGraph } from './validate.ts';

type Doc = GraphInput & Record<string, unknown>;

/** Problems of the fixture after one mutation. */
function problemsAfter(mutate: (g: Doc) => void) {
  const g = validGraph() as Doc;
  mutate(g);
  return validateGraph(g).problems;
}

/** Compact view so expectations read as the problem list. */
const brief = (ps: ReturnType<typeof problemsAfter>) =>
  ps.map(({ severity, path, code }) => `${severity} ${code} ${path}`);

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

describe('validateGraph: duplicates', () => {
  it('reports an id used twice across collections, naming the first use', () => {
    const ps = problemsAfter((g) => (g.publications[3]!.id = 'tech'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/publications/3/id',
        code: 'duplicate_id',
        message: 'id "tech" is already used at /agents/2',
        edgeId: 'tech',
      },
    ]);
  });

  it('reports a duplicate model id', () => {
    const ps = problemsAfter((g) => g.models!.push({ id: 'm', provider: 'scripted' }));
    expect(ps).toMatchObject([
      { severity: 'error', path: '/models/1/id', code: 'duplicate_id', message: 'id "m" is already used at /models/0' },
    ]);
  });

  it('reports a duplicate agent type name', () => {
    const ps = problemsAfter((g) => (g.agents[2]!.type = 'billing'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/agents/2/type',
        code: 'duplicate_agent_type',
        message: 'agent type "billing" is already used by agent "billing"',
        nodeId: 'tech',
      },
    ]);
  });

  it('reports a duplicate topic type name', () => {
    const ps = problemsAfter((g) => (g.topics[3]!.type = 'in'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/topics/3/type',
        code: 'duplicate_topic_type',
        message: 'topic type "in" is already used by topic "in"',
        nodeId: 'out',
      },
    ]);
  });

  it('reports a duplicate subscription edge', () => {
    const ps = problemsAfter((g) => g.subscriptions.push({ id: 's-again', topic: 'in', agent: 'triage' }));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/subscriptions/3',
        code: 'duplicate_edge',
        message: 'subscription "in" → "triage" repeats subscription "s-triage"',
        edgeId: 's-again',
      },
    ]);
  });

  it('reports a duplicate publication edge', () => {
    const ps = problemsAfter((g) => g.publications.push({ id: 'p-again', agent: 'tech', topic: 'out' }));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/publications/4',
        code: 'duplicate_edge',
        message: 'publication "tech" → "out" repeats publication "p-tech"',
        edgeId: 'p-again',
      },
    ]);
  });
});

describe('validateGraph: reserved names', () => {
  it('refuses ids and type names that misbehave as object keys', () => {
    const ps = problemsAfter((g) => {
      g.topics[3]!.type = 'constructor';
      g.models!.push({ id: '__proto__', provider: 'scripted' });
    });
    expect(ps).toMatchObject([
      { severity: 'error', path: '/models/1/id', code: 'reserved_id', message: '"__proto__" cannot be used as an id' },
      {
        severity: 'error',
        path: '/topics/3/type',
        code: 'reserved_id',
        message: '"constructor" cannot be used as a topic type name',
        nodeId: 'out',
      },
    ]);
  });
});

describe('validateGraph: dangling references', () => {
  it('subscription to an unknown topic', () => {
    const ps = problemsAfter((g) => (g.subscriptions[2]!.topic = 'nowhere'));
    expect(ps[0]).toMatchObject({
      severity: 'error',
      path: '/subscriptions/2/topic',
      code: 'unknown_topic',
      message: 'refers to unknown topic "nowhere"',
      edgeId: 's-tech',
    });
  });

  it('subscription naming a topic where an agent belongs', () => {
    const ps = problemsAfter((g) => (g.subscriptions[2]!.agent = 'out'));
    expect(ps[0]).toMatchObject({
      severity: 'error',
      path: '/subscriptions/2/agent',
      code: 'unknown_agent',
      message: 'refers to "out", which is a topic, not an agent',
      edgeId: 's-tech',
    });
  });

  it('publication from an unknown agent', () => {
    const ps = problemsAfter((g) => (g.publications[3]!.agent = 'ghost'));
    expect(ps[0]).toMatchObject({
      severity: 'error',
      path: '/publications/3/agent',
      code: 'unknown_agent',
      message: 'refers to unknown agent "ghost"',
      edgeId: 'p-tech',
    });
  });

  it('publication to an unknown topic', () => {
    const ps = problemsAfter((g) => (g.publications[3]!.topic = 'void'));
    expect(ps[0]).toMatchObject({
      severity: 'error',
      path: '/publications/3/topic',
      code: 'unknown_topic',
      message: 'refers to unknown topic "void"',
      edgeId: 'p-tech',
    });
  });

  it('entry naming an unknown topic', () => {
    const ps = problemsAfter((g) => (g.entry = 'nope'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/entry',
        code: 'unknown_topic',
        message: 'refers to unknown topic "nope"',
        params: { id: 'nope' },
      },
    ]);
  });

  it('output naming an unknown topic', () => {
    const ps = problemsAfter((g) => g.output.push('nope'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/output/1',
        code: 'unknown_topic',
        message: 'refers to unknown topic "nope"',
        params: { id: 'nope' },
      },
    ]);
  });

  it('router rule naming an unknown topic', () => {
    const ps = problemsAfter((g) => ((g.agents[0]!.config as { rules: { topic: string }[] }).rules[0]!.topic = 'lost'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/agents/0/config/rules/0/topic',
        code: 'unknown_topic',
        message: 'refers to unknown topic "lost"',
        nodeId: 'triage',
      },
    ]);
  });

  it('router default topic naming an unknown topic', () => {
    const ps = problemsAfter((g) => ((g.agents[0]!.config as { defaultTopic: string }).defaultTopic = 'lost'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/agents/0/config/defaultTopic',
        code: 'unknown_topic',
        message: 'refers to unknown topic "lost"',
        nodeId: 'triage',
      },
    ]);
  });

  it('assistant naming an unknown model', () => {
    const ps = problemsAfter((g) => (g.agents[1]!.config = { model: 'gpt-9' }));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/agents/1/config/model',
        code: 'unknown_model',
        message: 'refers to unknown model "gpt-9"',
        nodeId: 'billing',
      },
    ]);
  });

  it('router naming an unknown model', () => {
    const ps = problemsAfter((g) => Object.assign(g.agents[0]!.config!, { mode: 'model', model: 'gpt-9' }));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/agents/0/config/model',
        code: 'unknown_model',
        message: 'refers to unknown model "gpt-9"',
        nodeId: 'triage',
      },
    ]);
  });
});

describe('validateGraph: routers and terminators', () => {
  it('a rule naming a topic the router does not publish to', () => {
    const ps = problemsAfter((g) => ((g.agents[0]!.config as { rules: { topic: string }[] }).rules[0]!.topic = 'out'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/agents/0/config/rules/0/topic',
        code: 'route_not_published',
        message:
          'routes to topic "out", which is not among this router\'s publications (add a publication from "triage" to "out")',
        nodeId: 'triage',
      },
    ]);
  });

  it('a default topic the router does not publish to', () => {
    const ps = problemsAfter((g) => ((g.agents[0]!.config as { defaultTopic: string }).defaultTopic = 'in'));
    expect(brief(ps)).toMatchObject(['error route_not_published /agents/0/config/defaultTopic']);
  });

  it('mode "model" without a model', () => {
    const ps = problemsAfter((g) => Object.assign(g.agents[0]!.config!, { mode: 'model' }));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/agents/0/config/model',
        code: 'router_needs_model',
        message: 'a router in "model" mode needs a model',
        nodeId: 'triage',
      },
    ]);
  });

  it('a rules router with nothing to route by', () => {
    const ps = problemsAfter((g) => (g.agents[0]!.config = { rules: [] }));
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/agents/0/config/rules',
        code: 'router_no_routes',
        message: 'has no rules and no default topic, so it never routes anything',
        nodeId: 'triage',
      },
    ]);
  });

  it('a terminator with no condition', () => {
    const ps = problemsAfter((g) => {
      g.agents.push({ id: 'stop', type: 'stop', kind: 'terminator', config: {} });
      g.subscriptions.push({ id: 's-stop', topic: 'out', agent: 'stop' });
    });
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/agents/3/config',
        code: 'terminator_no_condition',
        message: 'has no condition (maxMessages, mention or maxTokens), so it never ends a turn',
        nodeId: 'stop',
      },
    ]);
  });
});

describe('validateGraph: flow', () => {
  it('an agent nobody can reach from the entry', () => {
    const ps = problemsAfter((g) => {
      g.agents.push({ id: 'lonely', type: 'lonely', kind: 'assistant', config: { model: 'm' } });
      g.publications.push({ id: 'p-lonely', agent: 'lonely', topic: 'out' });
    });
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/agents/3',
        code: 'unreachable',
        message:
          'agent "lonely" cannot be reached from the entry topic: no chain of subscriptions and publications leads to it',
        nodeId: 'lonely',
      },
    ]);
  });

  it('follows prefix subscriptions when deciding reachability and subscribers', () => {
    const ps = problemsAfter((g) => {
      // "q" is a prefix of "q.billing" and "q.tech": an auditor subscribed by prefix hears both.
      g.topics.push({ id: 'q', type: 'q' });
      g.agents.push({ id: 'audit', type: 'audit', kind: 'assistant', config: { model: 'm' } });
      g.subscriptions.push({ id: 's-audit', topic: 'q', agent: 'audit', kind: 'prefix' });
      g.publications.push({ id: 'p-audit', agent: 'audit', topic: 'out' });
    });
    expect(ps).toMatchObject([]);
  });

  it('the entry topic with no subscriber (and no unreachable noise)', () => {
    const ps = problemsAfter((g) => (g.subscriptions[0]!.topic = 'out'));
    expect(ps).toMatchObject([
      {
        severity: 'error',
        path: '/entry',
        code: 'entry_unsubscribed',
        message: 'no agent subscribes to the entry topic "in", so a user\'s message goes nowhere',
      },
    ]);
  });

  it('a publication to a topic nobody hears (warning)', () => {
    const ps = problemsAfter((g) => {
      g.topics.push({ id: 'log', type: 'log' });
      g.publications.push({ id: 'p-log', agent: 'tech', topic: 'log' });
    });
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/publications/4/topic',
        code: 'no_subscriber',
        message:
          'publishes to topic "log", which no agent subscribes to and which is not an output, so messages there go nowhere',
        edgeId: 'p-log',
      },
    ]);
  });

  it('an assistant that publishes nowhere (warning; still ok)', () => {
    const g = validGraph() as Doc;
    g.publications = g.publications.filter((p) => p.agent !== 'billing');
    const r = validateGraph(g);
    expect(r.ok).toBe(true);
    expect(r.problems).toMatchObject([
      {
        severity: 'warning',
        path: '/agents/1',
        code: 'no_publication',
        message: 'agent "billing" publishes to no topic, so its results go nowhere',
        nodeId: 'billing',
      },
    ]);
  });

  it('an output topic nobody publishes to (warning)', () => {
    const ps = problemsAfter((g) => {
      g.topics.push({ id: 'silent', type: 'silent' });
      g.output.push('silent');
    });
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/output/1',
        code: 'output_unpublished',
        message: 'no agent publishes to the output topic "silent", so the user never sees anything there',
        nodeId: 'silent',
      },
    ]);
  });
});

describe('validateGraph: layout and manifest', () => {
  it('warns about positions of unknown nodes, escaping the pointer', () => {
    const ps = problemsAfter((g) => (g.layout!.nodes!['gone'] = { x: 1, y: 2 }));
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/layout/nodes/gone',
        code: 'layout_unknown_node',
        message: 'has a position for "gone", which is not an agent or topic of this graph',
      },
    ]);
  });

  it('warns when an edge id has a layout position (only nodes are placed)', () => {
    const ps = problemsAfter((g) => (g.layout!.nodes!['s-tech'] = { x: 1, y: 2 }));
    expect(brief(ps)).toMatchObject(['warning layout_unknown_node /layout/nodes/s-tech']);
  });

  it('warns when a carried manifest no longer matches the graph', () => {
    const ps = problemsAfter((g) =>
      Object.assign(g, {
        manifest: { agentKinds: ['tool'], models: [], credentials: [], tools: [], allowedHosts: [] },
      }),
    );
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/manifest',
        code: 'stale_manifest',
        message: 'the manifest no longer matches the graph; export the graph again to refresh it',
      },
    ]);
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

describe('validateGraph: patterns and tools', () => {
  it('a router regex that does not compile', () => {
    const ps = problemsAfter(
      (g) =>
        ((g.agents[0]!.config as { rules: unknown[] }).rules = [
          { match: 'regex', value: '(unclosed', topic: 'billing-q' },
        ]),
    );
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({
      severity: 'error',
      path: '/agents/0/config/rules/0/value',
      code: 'invalid_regex',
      nodeId: 'triage',
    });
    expect(ps[0]!.message).toMatch(/^is not a valid regular expression: .*unclosed/);
  });

  it('a scripted model regex that does not compile', () => {
    const ps = problemsAfter(
      (g) => (g.models![0] = { id: 'm', provider: 'scripted', rules: [{ match: { regex: '[z-a]' } }] }),
    );
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ severity: 'error', path: '/models/0/rules/0/match/regex', code: 'invalid_regex' });
  });

  it('a scripted tool call the assistant does not enable', () => {
    const ps = problemsAfter(
      (g) =>
        (g.models![0] = {
          id: 'm',
          provider: 'scripted',
          rules: [{ match: {}, toolCalls: [{ name: 'calculator', arguments: {} }] }],
        }),
    );
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/agents/1/config/tools',
        code: 'tool_not_enabled',
        message: 'its model "m" calls the tool "calculator", which this assistant does not enable',
        nodeId: 'billing',
      },
      {
        severity: 'warning',
        path: '/agents/2/config/tools',
        code: 'tool_not_enabled',
        message: 'its model "m" calls the tool "calculator", which this assistant does not enable',
        nodeId: 'tech',
      },
    ]);
  });

  it('http_get with no allowed hosts', () => {
    const ps = problemsAfter((g) => {
      g.agents[1]!.config = { model: 'm', tools: ['http_get'] };
      g.agents.push({ id: 'fetch', type: 'fetch', kind: 'tool', config: { tool: 'http_get' } });
      g.subscriptions.push({ id: 's-fetch', topic: 'tech-q', agent: 'fetch' });
      g.publications.push({ id: 'p-fetch', agent: 'fetch', topic: 'out' });
    });
    expect(ps).toMatchObject([
      {
        severity: 'warning',
        path: '/agents/1/config/tools',
        code: 'no_allowed_hosts',
        message: 'uses http_get, but limits.allowedHosts is empty, so every request will be refused',
        nodeId: 'billing',
      },
      {
        severity: 'warning',
        path: '/agents/3/config/tool',
        code: 'no_allowed_hosts',
        message: 'uses http_get, but limits.allowedHosts is empty, so every request will be refused',
        nodeId: 'fetch',
      },
    ]);
    expect(
      problemsAfter((g) => {
        g.agents[1]!.config = { model: 'm', tools: ['http_get'] };
        g.limits = { allowedHosts: ['example.com'] };
      }),
    ).toEqual([]);
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

describe('validateGraph: the start topic', () => {
  const withGreeter = (g: Doc) => {
    g.agents.push({
      id: 'greeter',
      type: 'greeter',
      kind: 'assistant',
      config: { model: 'm' },
    } as Doc['agents'][number]);
    g.topics.push({ id: 'hello', type: 'hello' });
    g.subscriptions.push({ id: 's-greeter', topic: 'hello', agent: 'greeter', kind: 'type' });
    g.publications.push({ id: 'p-greeter', agent: 'greeter', topic: 'out' });
    g.start = 'hello';
  };

  it('accepts a start topic; agents reached only from it are reachable', () => {
    expect(problemsAfter(withGreeter)).toEqual([]);
  });

  it('a start naming an unknown topic, or an agent', () => {
    expect(problemsAfter((g) => (g.start = 'nope'))).toEqual([
      {
        severity: 'error',
        path: '/start',
        code: 'unknown_topic',
        message: 'refers to unknown topic "nope"',
        params: { id: 'nope' },
      },
    ]);
    expect(brief(problemsAfter((g) => (g.start = 'tech')))).toEqual(['error unknown_topic /start']);
  });

  it('a start topic nobody hears (warning)', () => {
    const ps = problemsAfter((g) => {
      g.topics.push({ id: 'hello', type: 'hello' });
      g.start = 'hello';
    });
    expect(ps).toEqual([
      {
        severity: 'warning',
        path: '/start',
        code: 'start_unsubscribed',
        message: 'no agent subscribes to the start topic "hello", so the session-start message goes nowhere',
        nodeId: 'hello',
        params: { topic: 'hello' },
      },
    ]);
  });

  it('a start that is not an id', () => {
    expect(brief(problemsAfter((g) => ((g as Record<string, unknown>).start = 42)))).toEqual([
      'error invalid_type /start',
    ]);
  });
});
