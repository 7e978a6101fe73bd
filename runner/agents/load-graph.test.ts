import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SingleThreadedAgentRuntime } from '../runtime/index.ts';
import { graphNamespace } from './graph-names.ts';
import { loadGraph } from './load-graph.ts';
import { compactGraph, recordPublished, TestEnv, userSays } from './test-support.ts';

/** The same node ids and topic types in every graph, so only namespacing can keep them apart. */
const echoGraph = (fallback: string) =>
  compactGraph({
    models: [{ id: 'echo', provider: 'scripted', fallback }],
    agents: [{ id: 'bot', type: 'bot', kind: 'assistant', config: { model: 'echo' } }],
    topics: ['inbox', 'reply'],
    subscriptions: [['inbox', 'bot']],
    publications: [['bot', 'reply']],
    entry: 'inbox',
    output: ['reply'],
  });

describe('loadGraph', () => {
  it('keeps two graphs with the same names apart in one runtime', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    const published = recordPublished(runtime);
    const envA = new TestEnv(echoGraph('A heard {input}'));
    const envB = new TestEnv(echoGraph('B heard {input}'));
    const a = loadGraph(runtime, envA.graph, envA, 'graph-a');
    const b = loadGraph(runtime, envB.graph, envB, 'graph-b');
    expect([a.entryTopicType, b.entryTopicType]).toEqual(['graph-a.inbox', 'graph-b.inbox']);

    const sid = randomUUID();
    await userSays(runtime, a, envA, sid, 'ping');
    const replies = published.filter((p) => p.message.sender === 'bot');
    expect(replies.map((p) => [p.topic.type, p.topic.source, p.message.content])).toEqual([
      ['graph-a.reply', sid, 'A heard ping'],
    ]);
    expect(envB.sessions.size).toBe(0);
    expect(runtime.liveInstances(sid)).toBe(1);
  });

  it('keeps two sessions of one graph apart, each with its own agent instance and context', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    const published = recordPublished(runtime);
    const env = new TestEnv(echoGraph('reply #{call} to {input}'));
    const g = loadGraph(runtime, env.graph, env, 'g1');
    const [s1, s2] = [randomUUID(), randomUUID()];
    await Promise.all([userSays(runtime, g, env, s1, 'one'), userSays(runtime, g, env, s2, 'uno')]);
    await userSays(runtime, g, env, s1, 'two');

    const of = (sid: string) =>
      published.filter((p) => p.topic.source === sid && p.message.sender === 'bot').map((p) => p.message.content);
    expect(of(s1)).toEqual(['reply #1 to one', 'reply #2 to two']);
    expect(of(s2)).toEqual(['reply #1 to uno']);
    expect(runtime.liveInstances()).toBe(2);
    expect(
      env
        .session(s2)
        .eventsOf('agent')
        .every((e) => e.turnId === env.session(s2).turnId()),
    ).toBe(true);
  });

  it('namespaces prefix subscriptions without reaching other graphs', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    const published = recordPublished(runtime);
    const graph = (id: string) =>
      compactGraph({
        id,
        agents: [
          { id: 'fan', type: 'fan', kind: 'tool', config: { tool: 'calculator' } },
          { id: 'audit', type: 'audit', kind: 'terminator', config: {} },
        ],
        topics: ['inbox', { id: 'all', type: 'out' }, { id: 'outA', type: 'out.a' }],
        subscriptions: [
          ['inbox', 'fan'],
          ['all', 'audit', 'prefix'],
        ],
        publications: [['fan', 'outA']],
        entry: 'inbox',
        output: ['outA'],
      });
    const env1 = new TestEnv(graph('g1'));
    const env2 = new TestEnv(graph('g2'));
    const g1 = loadGraph(runtime, env1.graph, env1, 'n1');
    loadGraph(runtime, env2.graph, env2, 'n2');
    const sid = randomUUID();
    await userSays(runtime, g1, env1, sid, '6*7');
    expect(published.filter((p) => p.message.sender === 'fan').map((p) => [p.topic.type, p.message.content])).toEqual([
      ['n1.out.a', '42'],
    ]);
    // The prefix subscription of n1 woke n1's audit agent; n2's never ran.
    expect(
      env1
        .session(sid)
        .eventsOf('agent')
        .filter((e) => e.agent === 'audit')
        .map((e) => [e.phase, e.topic]),
    ).toEqual([
      ['start', 'out.a'],
      ['finish', 'out.a'],
    ]);
    expect(env2.sessions.size).toBe(0);
  });

  it('maps names both ways', () => {
    const runtime = new SingleThreadedAgentRuntime();
    const env = new TestEnv(echoGraph('x'));
    const g = loadGraph(runtime, env.graph, env, 'ns');
    expect(g.topicTypeOf('reply')).toBe('ns.reply');
    expect(g.outputTopicTypes).toEqual(new Set(['ns.reply']));
    expect(g.graphTopicType('ns.reply')).toBe('reply');
    expect(g.graphTopicType('other.reply')).toBeUndefined();
    expect(g.agentTypeOf('ns.bot')).toBe('bot');
    expect(() => g.topicTypeOf('nope')).toThrow('graph has no topic with id "nope"');
  });

  it('unloads: subscriptions go, factories refuse, and the namespace can be loaded again', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    const published = recordPublished(runtime);
    const env = new TestEnv(echoGraph('{input}!'));
    const g = loadGraph(runtime, env.graph, env, 'v1');
    expect(() => loadGraph(runtime, env.graph, env, 'v1')).toThrow('namespace "v1" is already loaded in this runtime');
    g.unload();

    const sid = randomUUID();
    await userSays(runtime, g, env, sid, 'hi');
    expect(published.filter((p) => p.message.sender === 'bot')).toEqual([]);
    expect(runtime.liveInstances()).toBe(0);

    const again = loadGraph(runtime, env.graph, env, 'v1');
    await userSays(runtime, again, env, sid, 'hi');
    expect(published.filter((p) => p.message.sender === 'bot').map((p) => p.message.content)).toEqual(['hi!']);
  });

  it('refuses a namespace that could collide with another, and leaves nothing behind on a bad graph', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    const env = new TestEnv(echoGraph('x'));
    expect(() => loadGraph(runtime, env.graph, env, 'a.b')).toThrow(/namespace "a.b" may only contain letters, digits/);
    const broken = {
      ...env.graph,
      subscriptions: [{ id: 's', topic: 'inbox', agent: 'ghost', kind: 'type' as const }],
    };
    expect(() => loadGraph(runtime, broken, env, 'bad')).toThrow(
      'subscriptions: "s" names agent "ghost", which the graph does not have',
    );
    expect(() => loadGraph(runtime, env.graph, env, 'bad')).not.toThrow();
  });

  it('makes distinct, valid namespaces per tenant, graph and version', () => {
    const names = [
      graphNamespace('acme', 'support', 1),
      graphNamespace('acme', 'support', 2),
      graphNamespace('globex', 'support', 1),
    ];
    expect(new Set(names).size).toBe(3);
    for (const n of names) expect(n).toMatch(/^support-v\d-[A-Za-z0-9]{10}$/);
  });
});
