import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BuiltinToolName } from '../../schemas/tools.ts';
import { SingleThreadedAgentRuntime } from '../runtime/index.ts';
import { loadGraph } from './load-graph.ts';
import { compactGraph, recordPublished, TestEnv, userSays } from './test-support.ts';

function setup(config: { tool: BuiltinToolName; argument?: string }) {
  const runtime = new SingleThreadedAgentRuntime();
  const published = recordPublished(runtime);
  const env = new TestEnv(
    compactGraph({
      agents: [{ id: 'tool', type: 'tool', kind: 'tool', config }],
      topics: ['inbox', 'out'],
      subscriptions: [['inbox', 'tool']],
      publications: [['tool', 'out']],
      entry: 'inbox',
      output: ['out'],
    }),
  );
  const graph = loadGraph(runtime, env.graph, env, 'ns');
  const sid = randomUUID();
  return {
    env,
    sid,
    say: async (text: string) => {
      const s = await userSays(runtime, graph, env, sid, text);
      return {
        s,
        out: published.filter((p) => p.message.sender === 'tool').map((p) => [p.message.role, p.message.content]),
      };
    },
  };
}

describe('tool agent', () => {
  it('runs its tool on the message text and publishes the result', async () => {
    expect((await setup({ tool: 'calculator' }).say('(1 + 2) * 3')).out).toEqual([['tool', '9']]);
  });

  it('passes its configured argument (a JSON path)', async () => {
    const { out } = await setup({ tool: 'json_path', argument: '$.user.name' }).say('{"user":{"name":"Ada"}}');
    expect(out).toEqual([['tool', 'Ada']]);
  });

  it('publishes a failure as readable text and warns', async () => {
    const { s, out } = await setup({ tool: 'calculator' }).say('1/0');
    expect(out).toEqual([['tool', 'Error: calculator: division by zero']]);
    expect(s.eventsOf('warning')).toEqual([
      { code: 'tool_error', message: 'tool agent "tool": Error: calculator: division by zero' },
    ]);
  });

  it('writes and reads the user memory of the session', async () => {
    const t = setup({ tool: 'memory' });
    await t.say('set city Oslo');
    expect(t.env.session(t.sid).memoryData.get('city')).toBe('Oslo');
    expect((await t.say('get city')).out.at(-1)).toEqual(['tool', 'Oslo']);
  });

  it('refuses http_get to a host the graph does not allow', async () => {
    const { out } = await setup({ tool: 'http_get' }).say('http://127.0.0.1:9/secret');
    expect(out).toEqual([
      ['tool', 'Error: http_get: host "127.0.0.1:9" is not allowed by this graph (limits.allowedHosts: none)'],
    ]);
  });
});
