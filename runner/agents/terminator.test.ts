import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AgentId, SingleThreadedAgentRuntime } from '../runtime/index.ts';
import { loadGraph } from './load-graph.ts';
import { compactGraph, recordPublished, TestEnv, userSays } from './test-support.ts';

/** A writer ↔ critic loop that only a terminator (or the turn budget) can stop. */
function loop(terminator: Record<string, unknown>) {
  const runtime = new SingleThreadedAgentRuntime();
  const published = recordPublished(runtime);
  const env = new TestEnv(
    compactGraph({
      models: [
        { id: 'writer', provider: 'scripted', fallback: 'draft {call}' },
        {
          id: 'critic',
          provider: 'scripted',
          rules: [{ match: { call: 3 }, reply: 'good. APPROVED' }],
          fallback: 'revise {call}',
        },
      ],
      agents: [
        { id: 'writer', type: 'writer', kind: 'assistant', config: { model: 'writer', stream: false } },
        { id: 'critic', type: 'critic', kind: 'assistant', config: { model: 'critic', stream: false } },
        { id: 'stop', type: 'stop', kind: 'terminator', config: terminator },
      ],
      topics: ['task', 'drafts', 'reviews'],
      subscriptions: [
        ['task', 'writer'],
        ['reviews', 'writer'],
        ['drafts', 'critic'],
        ['drafts', 'stop'],
        ['reviews', 'stop'],
      ],
      publications: [
        ['writer', 'drafts'],
        ['critic', 'reviews'],
      ],
      entry: 'task',
      output: ['drafts'],
    }),
  );
  const graph = loadGraph(runtime, env.graph, env, 'ns');
  const sid = randomUUID();
  // The test session aborts the turn signal on endTurn, which stops the loop as a real session would.
  return { runtime, env, sid, published, say: (text: string) => userSays(runtime, graph, env, sid, text) };
}

describe('terminator agent', () => {
  it('ends the turn on a mention', async () => {
    const t = loop({ mention: 'APPROVED' });
    const s = await t.say('write a haiku');
    expect(s.ends).toEqual([
      { turnId: s.turnId(), reason: 'terminated', detail: 'stop: "APPROVED" mentioned by critic' },
    ]);
    expect(t.published.filter((p) => p.topic.type === 'ns.reviews').map((p) => p.message.content)).toEqual([
      'revise 1',
      'revise 2',
      'good. APPROVED',
    ]);
  });

  it('ends the turn after maxMessages messages of the turn, counting again in the next turn', async () => {
    const t = loop({ maxMessages: 2 });
    const s = await t.say('go');
    expect(s.ends).toEqual([{ turnId: s.turnId(), reason: 'max_messages', detail: 'stop: 2 messages in the turn' }]);
    const state = await t.runtime.agentSaveState(new AgentId('ns.stop', t.sid));
    expect(state).toEqual({ turnId: s.turnId(), count: 2, tokens: expect.any(Number) });
    await t.say('again');
    expect(s.ends.map((e) => e.reason)).toEqual(['max_messages', 'max_messages']);
  });

  it('ends the turn on the token budget the session reports', async () => {
    const t = loop({ maxTokens: 10 });
    const s = await t.say('go');
    expect(s.ends).toHaveLength(1);
    expect(s.ends[0]).toMatchObject({
      reason: 'token_budget',
      detail: expect.stringMatching(/^stop: \d+ tokens used in the turn \(limit 10\)$/),
    });
  });
});
