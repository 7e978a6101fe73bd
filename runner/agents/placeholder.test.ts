import { describe, expect, it } from 'vitest';
import { AgentId, SingleThreadedAgentRuntime } from '../runtime/index.ts';
import { GraphNames } from './graph-names.ts';
import { PlaceholderAgent } from './placeholder.ts';
import { compactGraph, TestEnv } from './test-support.ts';

describe('PlaceholderAgent', () => {
  it('fails the turn with a message naming the kind that has no implementation', async () => {
    const env = new TestEnv(
      compactGraph({
        agents: [{ id: 'x', type: 'x', kind: 'terminator', config: {} }],
        topics: ['in'],
        subscriptions: [['in', 'x']],
        publications: [],
        entry: 'in',
        output: ['in'],
      }),
    );
    const names = new GraphNames('ns', env.graph);
    const runtime = new SingleThreadedAgentRuntime();
    const agent = new PlaceholderAgent(new AgentId('ns.x', 'session-1'), {
      def: env.graph.agents[0],
      env,
      runtime,
      names,
      outlets: [],
    });
    const session = env.session('session-1');
    await agent.onMessage(
      { id: 'm', turnId: session.turnId(), role: 'user', content: 'hi', sender: 'user' },
      { sender: null, topicId: null, isRpc: false, messageId: 'm', signal: session.signal, runtime },
    );
    expect(session.eventsOf('agent').map((e) => [e.phase, e.error])).toEqual([
      ['start', undefined],
      ['error', 'agent kind "terminator" has no implementation in this runner'],
    ]);
    expect(session.ends.map((e) => e.reason)).toEqual(['error']);
  });
});
