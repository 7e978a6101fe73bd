import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { AgentId, SingleThreadedAgentRuntime } from '../runtime/index.ts';
import { loadGraph } from './load-graph.ts';
import { compactGraph, recordPublished, TestEnv, userSays } from './test-support.ts';

/** Two researchers answer the same question; the aggregator joins what they say. */
function team(aggregator: Record<string, unknown>, researchers = ['alice', 'bob']) {
  const runtime = new SingleThreadedAgentRuntime();
  const published = recordPublished(runtime);
  const env = new TestEnv(
    compactGraph({
      models: [{ id: 'm', provider: 'scripted', fallback: '{agent} found {input}' }],
      agents: [
        ...researchers.map((r) => ({
          id: r,
          type: r,
          kind: 'assistant' as const,
          config: { model: 'm', stream: false },
        })),
        { id: 'join', type: 'join', kind: 'aggregator', config: aggregator },
      ],
      topics: ['question', 'findings', 'summary'],
      subscriptions: [...researchers.map((r): [string, string] => ['question', r]), ['findings', 'join']],
      publications: [...researchers.map((r): [string, string] => [r, 'findings']), ['join', 'summary']],
      entry: 'question',
      output: ['summary'],
    }),
  );
  const graph = loadGraph(runtime, env.graph, env, 'ns');
  const sid = randomUUID();
  const summaries = () => published.filter((p) => p.message.sender === 'join').map((p) => p.message.content);
  return { runtime, env, sid, summaries, say: (text: string) => userSays(runtime, graph, env, sid, text) };
}

describe('aggregator agent', () => {
  it('publishes one combined message once count messages of the turn arrived', async () => {
    const t = team({ count: 2, separator: ' | ' });
    const s = await t.say('cats');
    expect(t.summaries()).toHaveLength(1);
    expect(t.summaries()[0].split(' | ').sort()).toEqual(['alice: alice found cats', 'bob: bob found cats']);
    expect(s.holds).toBe(0);
  });

  it('publishes what it has at the timeout, holding the turn open meanwhile', async () => {
    const t = team({ count: 3, timeoutMs: 30 });
    const s = await t.say('dogs');
    expect(t.summaries()).toEqual([]);
    expect(s.holds).toBe(1);
    await vi.waitFor(() => expect(t.summaries()).toHaveLength(1), { timeout: 5000, interval: 10 });
    expect(s.holds).toBe(0);
    expect(t.summaries()[0].split('\n\n').sort()).toEqual(['alice: alice found dogs', 'bob: bob found dogs']);
  });

  it('starts afresh in a new turn, and restores a pending collection from its state', async () => {
    const t = team({ count: 3, timeoutMs: 3_600_000 });
    await t.say('first');
    const id = new AgentId('ns.join', t.sid);
    const saved = (await t.runtime.agentSaveState(id)) as { parts: unknown[]; turnId: string; deadline: number };
    expect(saved.parts).toHaveLength(2);

    await t.say('second');
    const afterNewTurn = (await t.runtime.agentSaveState(id)) as { parts: Array<{ content: string }> };
    expect(afterNewTurn.parts.map((p) => p.content).sort()).toEqual(['alice found second', 'bob found second']);

    // Closing the session clears the timer; loading an overdue collection publishes it at once.
    await t.runtime.closeKey(t.sid);
    await t.runtime.agentLoadState(id, { ...saved, deadline: Date.now() - 1 });
    await vi.waitFor(() => expect(t.summaries()).toHaveLength(1), { timeout: 5000, interval: 10 });
    expect(t.summaries()[0]).toContain('alice found first');
    await t.runtime.closeKey(t.sid);
  });
});
