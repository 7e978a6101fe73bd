import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../test/helpers/fake-openai-server.ts';
import { AgentId, SingleThreadedAgentRuntime } from '../runtime/index.ts';
import type { GraphInput } from '../../schemas/graph.ts';
import { loadGraph } from './load-graph.ts';
import { compactGraph, recordPublished, TestEnv, userSays } from './test-support.ts';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-acme' });
});
afterAll(() => fake.close());

function setup(
  config: Record<string, unknown>,
  models?: GraphInput['models'],
  publications: Array<[string, string]> = [['bot', 'reply']],
) {
  const runtime = new SingleThreadedAgentRuntime();
  const published = recordPublished(runtime);
  const env = new TestEnv(
    compactGraph({
      models: models ?? [
        {
          id: 'm',
          provider: 'scripted',
          tokenSize: 2,
          rules: [
            {
              match: { contains: 'math' },
              toolCalls: [{ name: 'calculator', arguments: { expression: '2+3*4' } }],
              reply: 'result: {tool}',
            },
            {
              match: { contains: 'clock' },
              toolCalls: [{ name: 'current_time', arguments: {} }],
              reply: 'time: {tool}',
            },
            { match: { call: 2 }, reply: 'second reply' },
          ],
          fallback: 'echo {input}',
        },
      ],
      agents: [{ id: 'bot', type: 'bot', kind: 'assistant', config: { model: 'm', ...config } }],
      topics: ['inbox', 'reply', 'log'],
      subscriptions: [['inbox', 'bot']],
      publications,
      entry: 'inbox',
      output: ['reply'],
    }),
    { openai: 'sk-acme' },
  );
  const graph = loadGraph(runtime, env.graph, env, 'ns');
  const sid = randomUUID();
  return { runtime, published, env, graph, sid, say: (text: string) => userSays(runtime, graph, env, sid, text) };
}

const openaiModel = (over: Record<string, unknown> = {}) => [
  {
    id: 'm',
    provider: 'openai' as const,
    model: 'fake-model',
    baseUrl: fake.baseURL,
    credential: 'openai',
    maxRetries: 0,
    timeoutMs: 2000,
    ...over,
  },
];

describe('assistant agent', () => {
  it('streams tokens under the id of the message it then publishes, with start/finish events and usage', async () => {
    const t = setup({ systemMessage: 'You echo.' });
    const s = await t.say('hello');
    const [reply] = t.published.filter((p) => p.message.sender === 'bot');
    expect(reply.message).toMatchObject({ content: 'echo hello', role: 'assistant', turnId: s.turnId() });
    expect(reply.topic.type).toBe('ns.reply');
    const tokens = s.eventsOf('token');
    expect(tokens.map((t) => t.delta)).toEqual(['ec', 'ho', ' h', 'el', 'lo']);
    expect(new Set(tokens.map((t) => t.messageId))).toEqual(new Set([reply.message.id]));
    expect(s.eventsOf('agent').map((e) => [e.agent, e.phase, e.topic])).toEqual([
      ['bot', 'start', 'inbox'],
      ['bot', 'finish', 'inbox'],
    ]);
    expect(s.usage).toEqual([
      { agent: 'bot', promptTokens: 4, completionTokens: 3, estimated: true, modelId: 'm', turnId: s.turnId() },
    ]);
  });

  it('publishes its reply to every publication topic, without tokens when streaming is off', async () => {
    const t = setup({ stream: false }, undefined, [
      ['bot', 'reply'],
      ['bot', 'log'],
    ]);
    const s = await t.say('hi');
    expect(t.published.filter((p) => p.message.sender === 'bot').map((p) => [p.topic.type, p.message.content])).toEqual(
      [
        ['ns.reply', 'echo hi'],
        ['ns.log', 'echo hi'],
      ],
    );
    expect(s.eventsOf('token')).toEqual([]);
  });

  it('runs tool-call rounds and answers with the results', async () => {
    const t = setup({ tools: ['calculator'] });
    const s = await t.say('do some math');
    expect(t.published.filter((p) => p.message.sender === 'bot').map((p) => p.message.content)).toEqual(['result: 14']);
    expect(s.usage).toHaveLength(2);
  });

  it('tells the model when it calls a tool it does not have', async () => {
    const t = setup({ tools: ['calculator'] });
    await t.say('what does the clock say');
    expect(t.published.filter((p) => p.message.sender === 'bot').map((p) => p.message.content)).toEqual([
      'time: Error: tool "current_time" is not enabled for this agent; enabled: calculator',
    ]);
  });

  it('stops after maxToolRounds when a real model keeps calling tools', async () => {
    const t = setup({ tools: ['calculator'], maxToolRounds: 2 }, openaiModel());
    const call = { toolCalls: [{ name: 'calculator', arguments: '{"expression":"1+1"}' }], content: 'thinking' };
    fake.enqueue(call, call, call);
    const before = fake.requests.length;
    const s = await t.say('loop forever');
    expect(fake.requests.length - before).toBe(3);
    const last = fake.requests.at(-1)!.body.messages;
    expect(last.filter((m: { role: string }) => m.role === 'tool').map((m: { content: string }) => m.content)).toEqual([
      '2',
      '2',
    ]);
    expect(s.eventsOf('warning')).toEqual([
      { code: 'max_tool_rounds', message: 'agent "bot" stopped after 2 tool-call rounds' },
    ]);
    expect(t.published.filter((p) => p.message.sender === 'bot').map((p) => p.message.content)).toEqual(['thinking']);
    expect(s.usage.every((u) => !u.estimated && u.promptTokens === 10)).toBe(true);
  });

  it('hands a malformed tool-call argument back to the model as a readable error', async () => {
    const t = setup({ tools: ['calculator'] }, openaiModel());
    fake.enqueue({ toolCalls: [{ name: 'calculator', arguments: '{"expression": ' }] }, { content: 'sorry' });
    await t.say('compute');
    const toolMessage = fake.requests.at(-1)!.body.messages.find((m: { role: string }) => m.role === 'tool');
    expect(toolMessage.content).toMatch(/^Error: calculator: the arguments are not valid JSON/);
  });

  it('fails the turn clearly when the model fails', async () => {
    const t = setup({}, openaiModel());
    fake.enqueue({ status: 500, message: 'upstream exploded' });
    const s = await t.say('hi');
    const error = s.eventsOf('agent').find((e) => e.phase === 'error');
    expect(error?.error).toMatch(/server error \(HTTP 500\).*upstream exploded/);
    expect(s.ends).toEqual([{ turnId: s.turnId(), reason: 'error', detail: expect.stringMatching(/^bot: model "m"/) }]);
    expect(t.published.filter((p) => p.message.sender === 'bot')).toEqual([]);
  });

  it('keeps a bounded context and carries it through saveState/loadState', async () => {
    const t = setup({ contextWindow: 3 });
    await t.say('one');
    await t.say('two');
    const id = new AgentId('ns.bot', t.sid);
    const state = (await t.runtime.agentSaveState(id)) as { history: Array<{ content: string }>; replies: number };
    expect(state.history.map((m) => m.content)).toEqual(['echo one', 'two', 'second reply']);
    expect(state.replies).toBe(2);

    // A restored instance (e.g. after paging out) continues the count: its next reply is the third.
    await t.runtime.closeKey(t.sid);
    await t.runtime.agentLoadState(id, { ...state, replies: 1 });
    await t.say('three');
    expect(
      t.published
        .filter((p) => p.message.sender === 'bot')
        .map((p) => p.message.content)
        .at(-1),
    ).toBe('second reply');
  });

  it('sends the system message and its context to an OpenAI-compatible model', async () => {
    const t = setup({ systemMessage: 'Be terse.' }, openaiModel());
    fake.enqueue({ content: 'first' }, { content: 'second' });
    await t.say('a');
    await t.say('b');
    expect(fake.requests.at(-1)!.body.messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'a', name: 'user' },
      { role: 'assistant', content: 'first' },
      { role: 'user', content: 'b', name: 'user' },
    ]);
  });
});
