import { describe, expect, it } from 'vitest';
import { validGraph } from './fixtures.ts';
import { brief, problemsAfter, type Doc } from './test-support.ts';
import { validateGraph } from './validate.ts';

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
