import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SingleThreadedAgentRuntime } from '../runtime/index.ts';
import { loadGraph } from './load-graph.ts';
import { pickOutlet } from './router.ts';
import { compactGraph, recordPublished, TestEnv, userSays } from './test-support.ts';

function setup(
  config: Record<string, unknown>,
  publications: Array<[string, string]> = [
    ['triage', 'billing'],
    ['triage', 'tech'],
    ['triage', 'general'],
  ],
) {
  const runtime = new SingleThreadedAgentRuntime();
  const published = recordPublished(runtime);
  const env = new TestEnv(
    compactGraph({
      models: [
        {
          id: 'picker',
          provider: 'scripted',
          rules: [{ match: { contains: 'crash' }, reply: 'Tech.' }],
          fallback: 'no idea',
        },
      ],
      agents: [{ id: 'triage', type: 'triage', kind: 'router', config }],
      topics: [
        'inbox',
        { id: 'billing', type: 'support.billing', description: 'Invoices and refunds' },
        { id: 'tech', type: 'support.tech' },
        'general',
      ],
      subscriptions: [['inbox', 'triage']],
      publications,
      entry: 'inbox',
      output: ['general'],
    }),
  );
  const graph = loadGraph(runtime, env.graph, env, 'ns');
  const sid = randomUUID();
  return {
    env,
    say: async (text: string) => {
      const s = await userSays(runtime, graph, env, sid, text);
      return {
        s,
        routed: published
          .filter((p) => p.message.sender === 'triage')
          .map((p) => [p.topic.type, p.message.content, p.message.role]),
      };
    },
  };
}

const rules = {
  rules: [
    { match: 'keyword', value: 'Refund', topic: 'billing' },
    { match: 'regex', value: '\\b(error|crash)\\b', topic: 'tech' },
    { match: 'keyword', value: 'Invoice', caseSensitive: true, topic: 'billing' },
  ],
  defaultTopic: 'general',
};

describe('router agent', () => {
  it('forwards the content to the topic of the first matching rule', async () => {
    const t = setup(rules);
    expect((await t.say('I want a REFUND')).routed).toEqual([['ns.support.billing', 'I want a REFUND', 'user']]);
  });

  it('matches regex rules, honours case sensitivity and falls back to defaultTopic', async () => {
    expect((await setup(rules).say('the app crashed with an error')).routed).toEqual([
      ['ns.support.tech', 'the app crashed with an error', 'user'],
    ]);
    expect((await setup(rules).say('my invoice is wrong')).routed).toEqual([
      ['ns.general', 'my invoice is wrong', 'user'],
    ]);
    expect((await setup(rules).say('Invoice 12 is wrong')).routed).toEqual([
      ['ns.support.billing', 'Invoice 12 is wrong', 'user'],
    ]);
  });

  it('never publishes to a topic it has no publication for', async () => {
    const t = setup(rules, [
      ['triage', 'tech'],
      ['triage', 'general'],
    ]);
    expect((await t.say('refund please')).routed).toEqual([['ns.general', 'refund please', 'user']]);
  });

  it('warns and publishes nothing when no rule matches and there is no default', async () => {
    const { s, routed } = await setup({ rules: rules.rules }).say('hello');
    expect(routed).toEqual([]);
    expect(s.eventsOf('warning')).toEqual([
      {
        code: 'router_no_route',
        message: 'router "triage" found no topic for the message and has no usable defaultTopic',
      },
    ]);
  });

  it('asks a model in model mode, listing the allowed topics, and records its usage', async () => {
    const t = setup({ mode: 'model', model: 'picker', defaultTopic: 'general' });
    const { s, routed } = await t.say('it keeps crashing');
    expect(routed).toEqual([['ns.support.tech', 'it keeps crashing', 'user']]);
    expect(s.usage.map((u) => [u.agent, u.modelId])).toEqual([['triage', 'picker']]);
    expect((await t.say('what?')).routed.at(-1)).toEqual(['ns.general', 'what?', 'user']);
  });

  it('fails the turn clearly in model mode without a model', async () => {
    const { s } = await setup({ mode: 'model' }).say('x');
    expect(s.ends).toEqual([
      { turnId: s.turnId(), reason: 'error', detail: 'triage: router "triage": mode "model" needs config.model' },
    ]);
  });

  it('reads the topic out of a chatty model answer', () => {
    const outlets = [
      { topicId: 'b', graphType: 'support.billing', runtimeType: 'x' },
      { topicId: 't', graphType: 'support.tech', runtimeType: 'y' },
    ];
    expect(pickOutlet(' "support.tech". ', outlets)?.topicId).toBe('t');
    expect(pickOutlet('B', outlets)?.topicId).toBe('b');
    expect(pickOutlet('I would send it to support.billing for sure', outlets)?.topicId).toBe('b');
    expect(pickOutlet('nothing fits', outlets)).toBeUndefined();
  });
});
