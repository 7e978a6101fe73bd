import { describe, expect, it } from 'vitest';
import { brief, problemsAfter } from './test-support.ts';

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
