import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SingleThreadedAgentRuntime, TopicId } from '../runtime/index.ts';
import { tick } from '../runtime/test-support.ts';
import { loadGraph } from './load-graph.ts';
import { compactGraph, recordPublished, TestEnv, userSays } from './test-support.ts';

function setup() {
  const runtime = new SingleThreadedAgentRuntime();
  const published = recordPublished(runtime);
  const env = new TestEnv(
    compactGraph({
      agents: [
        {
          id: 'approver',
          type: 'approver',
          kind: 'user',
          config: { prompt: 'Approve this draft?', timeoutMs: 60_000 },
        },
      ],
      topics: ['draft', 'decision'],
      subscriptions: [['draft', 'approver']],
      publications: [['approver', 'decision']],
      entry: 'draft',
      output: ['decision'],
    }),
  );
  const graph = loadGraph(runtime, env.graph, env, 'ns');
  return { runtime, published, env, graph, sid: randomUUID() };
}

describe('user agent', () => {
  it('asks the session for input, showing what is to be approved, and publishes the answer', async () => {
    const t = setup();
    t.env.session(t.sid).answers.push('approved');
    const s = await userSays(t.runtime, t.graph, t.env, t.sid, 'Dear customer, ...');
    expect(s.eventsOf('input_request')).toEqual([
      {
        turnId: s.turnId(),
        requestId: expect.any(String),
        agent: 'approver',
        prompt: 'Approve this draft?\n\nDear customer, ...',
        timeoutMs: 60_000,
      },
    ]);
    const answer = t.published.find((p) => p.message.sender === 'approver');
    expect(answer?.message).toMatchObject({ content: 'approved', role: 'user', turnId: s.turnId() });
    expect(answer?.topic.type).toBe('ns.decision');
    expect(s.ends).toEqual([]);
  });

  it('ends the turn with input_timeout when nobody answers', async () => {
    const t = setup();
    const s = await userSays(t.runtime, t.graph, t.env, t.sid, 'draft');
    expect(s.ends).toEqual([
      {
        turnId: s.turnId(),
        reason: 'input_timeout',
        detail: 'approver: no answer within 60000 ms (input request timed out)',
      },
    ]);
    expect(t.published.filter((p) => p.message.sender === 'approver')).toEqual([]);
    expect(s.eventsOf('agent').map((e) => e.phase)).toEqual(['start', 'finish']);
  });

  it('publishes nothing once its session was closed while it waited for the answer', async () => {
    const t = setup();
    const s = t.env.session(t.sid);
    let answer!: (text: string) => void;
    s.requestInput = () => new Promise((resolve) => (answer = resolve));
    const turnId = s.newTurn();
    await t.runtime.publishMessage(
      { id: randomUUID(), turnId, role: 'user', content: 'draft', sender: 'user' },
      new TopicId(t.graph.entryTopicType, t.sid),
    );
    await tick();
    expect(t.runtime.liveInstances(t.sid)).toBe(1);
    await t.runtime.closeKey(t.sid);
    answer('approved, too late');
    await tick();
    expect(t.published.filter((p) => p.message.sender === 'approver')).toEqual([]);
    expect(t.runtime.liveInstances()).toBe(0);
    expect(s.eventsOf('agent').map((e) => e.phase)).toEqual(['start', 'finish']);
  });
});
