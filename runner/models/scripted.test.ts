import { describe, expect, it } from 'vitest';
import { ScriptedModel } from '../../schemas/models.ts';
import { ModelError } from './model-error.ts';
import { ScriptedModelClient } from './scripted.ts';
import type { ModelMessage } from './types.ts';

const model = (def: Record<string, unknown>) =>
  new ScriptedModelClient(ScriptedModel.parse({ id: 'm', provider: 'scripted', ...def }));
const user = (content: string): ModelMessage => ({ role: 'user', content });

describe('ScriptedModelClient', () => {
  it('falls back to the echo template with the agent name and input', async () => {
    const r = await model({ fallback: '{agent}: {input}' }).chat({
      agent: 'writer',
      messages: [{ role: 'system', content: 'be brief' }, user('hello there')],
    });
    expect(r).toEqual({
      content: 'writer: hello there',
      toolCalls: [],
      usage: { promptTokens: 5, completionTokens: 5, estimated: true },
      finishReason: 'stop',
    });
  });

  it('says by default that it is a scripted stand-in and how to set a real model', async () => {
    const r = await model({}).chat({ agent: 'writer', messages: [user('hello there')] });
    expect(r.content).toBe(
      '[scripted stand-in, not an LLM] writer got: "hello there". Set a real model (OpenAI, Azure OpenAI, Ollama or any OpenAI-compatible server) in the Models panel of the inspector to get real answers.',
    );
  });

  it('takes the first rule that matches contains (any case), regex and call number', async () => {
    const m = model({
      rules: [
        { match: { contains: 'REFUND' }, reply: 'billing' },
        { match: { regex: '^err(or)? \\d+$' }, reply: 'tech {input}' },
        { match: { call: 2 }, reply: 'second call' },
        { match: { contains: 'refund', call: 1 }, reply: 'never reached' },
      ],
      fallback: '{agent}: {input}',
    });
    expect((await m.chat({ agent: 'a', messages: [user('I want a refund')] })).content).toBe('billing');
    expect((await m.chat({ agent: 'a', messages: [user('Error 42')] })).content).toBe('tech Error 42');
    expect((await m.chat({ agent: 'a', messages: [user('hi')], call: 2 })).content).toBe('second call');
    expect((await m.chat({ agent: 'a', messages: [user('hi')], call: 3 })).content).toBe('a: hi');
  });

  it('matches the last user message, not earlier ones', async () => {
    const m = model({ rules: [{ match: { contains: 'first' }, reply: 'hit' }], fallback: '{agent}: {input}' });
    const r = await m.chat({
      agent: 'a',
      messages: [user('first'), { role: 'assistant', content: 'x' }, user('second')],
    });
    expect(r.content).toBe('a: second');
  });

  it('counts its replies in the context when the caller passes no call number', async () => {
    const m = model({ rules: [{ match: { call: 3 }, reply: 'third' }] });
    const messages: ModelMessage[] = [
      user('1'),
      { role: 'assistant', content: 'r1' },
      user('2'),
      { role: 'assistant', content: 'r2' },
      user('3'),
    ];
    expect((await m.chat({ agent: 'a', messages })).content).toBe('third');
  });

  it('streams the reply in tokenSize pieces that join to the content', async () => {
    const deltas: string[] = [];
    const r = await model({ tokenSize: 3, fallback: 'abcdefgh' }).chat({
      agent: 'a',
      messages: [user('x')],
      onToken: (d) => deltas.push(d),
    });
    expect(deltas).toEqual(['abc', 'def', 'gh']);
    expect(deltas.join('')).toBe(r.content);
  });

  it('streams at its pace: chunks of chunkTokens tokens, one chunk interval apart', async () => {
    const at: number[] = [];
    const deltas: string[] = [];
    const start = performance.now();
    await model({ tokenSize: 2, fallback: 'aabbccddee', pace: { tokensPerSecond: 100, chunkTokens: 2 } }).chat({
      agent: 'a',
      messages: [user('x')],
      onToken: (d) => (deltas.push(d), at.push(performance.now() - start)),
    });
    expect(deltas).toEqual(['aabb', 'ccdd', 'ee']);
    // Chunk n is due n × 20 ms after the first is asked for (less a little for libuv's
    // millisecond timer clock); a late timer only makes it later.
    expect(at[1]).toBeGreaterThanOrEqual(17);
    expect(at[2]).toBeGreaterThanOrEqual(37);
  });

  it('refuses a pace that is not a positive rate', () => {
    expect(
      ScriptedModel.safeParse({ id: 'm', provider: 'scripted', pace: { tokensPerSecond: 0 } }).error?.issues[0]?.path,
    ).toEqual(['pace', 'tokensPerSecond']);
  });

  it('emits tool calls first, then the reply with the tool results once they are in the request', async () => {
    const m = model({
      rules: [
        {
          match: { contains: 'compute' },
          toolCalls: [{ name: 'calculator', arguments: { expression: '{input}' } }],
          reply: 'result: {tool}',
        },
      ],
    });
    const first = await m.chat({ agent: 'a', messages: [user('compute')], call: 1 });
    expect(first.content).toBe('');
    expect(first.toolCalls).toEqual([{ id: 'call_1_1', name: 'calculator', arguments: '{"expression":"compute"}' }]);

    const second = await m.chat({
      agent: 'a',
      call: 1,
      messages: [
        user('compute'),
        { role: 'assistant', content: '', toolCalls: first.toolCalls },
        { role: 'tool', content: '42', toolCallId: 'call_1_1' },
      ],
    });
    expect(second).toMatchObject({ content: 'result: 42', toolCalls: [] });
  });

  it('is stateless: the same request gives the same result every time', async () => {
    const m = model({ rules: [{ match: { call: 1 }, reply: 'one' }] });
    const req = { agent: 'a', messages: [user('x')] };
    expect([(await m.chat(req)).content, (await m.chat(req)).content]).toEqual(['one', 'one']);
  });

  it('refuses an aborted call with a ModelError', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(model({}).chat({ agent: 'a', messages: [user('x')], signal: ac.signal })).rejects.toMatchObject({
      code: 'aborted',
    });
    await expect(model({}).chat({ agent: 'a', messages: [user('x')], signal: ac.signal })).rejects.toBeInstanceOf(
      ModelError,
    );
  });

  it('names the rule when its regex is invalid', () => {
    expect(() =>
      model({
        rules: [
          { match: {}, reply: 'a' },
          { match: { regex: '(' }, reply: 'b' },
        ],
      }),
    ).toThrow(/rules\[1\]\.match\.regex/);
  });
});
