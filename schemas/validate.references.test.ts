import { describe, expect, it } from 'vitest';
import { brief, problemsAfter } from './test-support.ts';

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
