import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIModel } from '../../schemas/models.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../test/helpers/fake-openai-server.ts';
import { OpenAIModelClient } from './openai.ts';
import type { ChatRequest } from './types.ts';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-tenant-a' });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

const client = (over: Record<string, unknown> = {}) =>
  new OpenAIModelClient(
    OpenAIModel.parse({
      id: 'gpt',
      provider: 'openai',
      model: 'fake-model',
      baseUrl: fake.baseURL,
      timeoutMs: 2000,
      maxRetries: 2,
      ...over,
    }),
    'sk-tenant-a',
  );
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  agent: 'writer',
  messages: [
    { role: 'system', content: 'sys' },
    { role: 'user', content, name: 'team.lead' },
  ],
  ...extra,
});

describe('OpenAIModelClient against a local OpenAI-compatible server', () => {
  it('streams content chunks with include_usage and returns the reported usage', async () => {
    fake.enqueue({ content: 'Hello, world!', chunkSize: 4, usage: { promptTokens: 12, completionTokens: 4 } });
    const deltas: string[] = [];
    const r = await client().chat(ask('hi', { onToken: (d) => deltas.push(d) }));
    expect(deltas).toEqual(['Hell', 'o, w', 'orld', '!']);
    expect(r).toEqual({
      content: 'Hello, world!',
      toolCalls: [],
      usage: { promptTokens: 12, completionTokens: 4, estimated: false },
      finishReason: 'stop',
    });
    const body = fake.requests[0].body;
    expect(body).toMatchObject({ model: 'fake-model', stream: true, stream_options: { include_usage: true } });
    expect(body.messages[1]).toEqual({ role: 'user', content: 'hi', name: 'team_lead' });
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-tenant-a');
  });

  it('receives a paced fake stream chunk by chunk, one chunk interval apart', async () => {
    fake.enqueue({ content: 'abcdefghi', chunkSize: 3, chunksPerSecond: 50 });
    const at: number[] = [];
    const deltas: string[] = [];
    const start = performance.now();
    const r = await client().chat(ask('hi', { onToken: (d) => (deltas.push(d), at.push(performance.now() - start)) }));
    expect(deltas).toEqual(['abc', 'def', 'ghi']);
    expect(r.content).toBe('abcdefghi');
    // The fake writes a chunk every 20 ms after its role chunk: the third content chunk no sooner
    // than 60 ms (less a little for libuv's millisecond timer clock).
    expect(at[2]).toBeGreaterThanOrEqual(55);
  });

  it('accumulates streamed tool calls and sends the tool specs', async () => {
    fake.enqueue({
      toolCalls: [
        { id: 'c1', name: 'calculator', arguments: '{"expression":"2+3*4"}' },
        { name: 'current_time', arguments: '{}' },
      ],
    });
    const r = await client().chat(
      ask('compute', {
        onToken: () => {},
        tools: [{ name: 'calculator', description: 'math', parameters: { type: 'object', properties: {} } }],
      }),
    );
    expect(r.toolCalls).toEqual([
      { id: 'c1', name: 'calculator', arguments: '{"expression":"2+3*4"}' },
      { id: 'call_fake_2', name: 'current_time', arguments: '{}' },
    ]);
    expect(fake.requests[0].body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'calculator', description: 'math', parameters: { type: 'object', properties: {} } },
      },
    ]);
  });

  it('sends tool results back in the wire format', async () => {
    await client().chat(
      ask('x', {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'calculator', arguments: '{}' }] },
          { role: 'tool', content: '14', toolCallId: 'c1' },
        ],
      }),
    );
    expect(fake.requests[0].body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'calculator', arguments: '{}' } }],
      },
      { role: 'tool', content: '14', tool_call_id: 'c1' },
    ]);
  });

  it('passes malformed tool-call arguments through for the tool runner to reject', async () => {
    fake.enqueue({ toolCalls: [{ name: 'calculator', arguments: '{"expression": ' }] });
    const r = await client().chat(ask('x', { onToken: () => {} }));
    expect(r.toolCalls[0].arguments).toBe('{"expression": ');
  });

  it('works without streaming and estimates usage the server leaves out', async () => {
    fake.enqueue({ content: 'plain reply', usage: null });
    const r = await client().chat(ask('hello'));
    expect(r).toEqual({
      content: 'plain reply',
      toolCalls: [],
      usage: { promptTokens: 2, completionTokens: 3, estimated: true },
      finishReason: 'stop',
    });
    expect(fake.requests[0].body.stream).toBe(false);
  });

  it("returns the provider's finish_reason as it came, streamed or not", async () => {
    fake.enqueue(
      { content: 'cut sh', finishReason: 'length' },
      { content: 'filtered', finishReason: 'content_filter' },
    );
    expect((await client().chat(ask('a', { onToken: () => {} }))).finishReason).toBe('length');
    expect((await client().chat(ask('b'))).finishReason).toBe('content_filter');
  });

  it('retries a 429, honouring Retry-After, then succeeds', async () => {
    fake.enqueue({ status: 429, retryAfterMs: 5 }, { status: 429, retryAfter: 0.01 }, { content: 'after retries' });
    const r = await client().chat(ask('x', { onToken: () => {} }));
    expect(r.content).toBe('after retries');
    expect(fake.requests).toHaveLength(3);
  });

  it('gives a clear rate_limited error when 429s outlast the retries', async () => {
    fake.enqueue({ status: 429, retryAfterMs: 1 }, { status: 429, retryAfterMs: 1 }, { status: 429, retryAfterMs: 1 });
    await expect(client().chat(ask('x'))).rejects.toMatchObject({
      code: 'rate_limited',
      message: expect.stringContaining('HTTP 429'),
    });
    expect(fake.requests).toHaveLength(3);
  });

  it('gives a clear server_error after retrying a 500', async () => {
    fake.enqueue(...Array.from({ length: 3 }, () => ({ status: 500, message: 'boom', retryAfterMs: 1 })));
    const err = await client()
      .chat(ask('x', { onToken: () => {} }))
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'server_error', status: 502 });
    expect(err.message).toMatch(/HTTP 500.*after 2 retries/);
    expect(fake.requests).toHaveLength(3);
  });

  it('times out a hanging response', async () => {
    fake.enqueue({ hang: true });
    await expect(client({ timeoutMs: 200, maxRetries: 0 }).chat(ask('x'))).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringContaining('200 ms'),
    });
  });

  it('times out a stream that stalls after its first chunks', async () => {
    fake.enqueue({ truncate: 'stall', reply: { content: 'partial reply' } });
    const deltas: string[] = [];
    await expect(
      client({ timeoutMs: 200, maxRetries: 0 }).chat(ask('x', { onToken: (d) => deltas.push(d) })),
    ).rejects.toMatchObject({ code: 'timeout' });
    expect(deltas.join('')).toBe('par');
  });

  it('reports a stream that ends before the model finished as bad_response', async () => {
    fake.enqueue({ truncate: 'end', reply: { content: 'cut short' }, afterChunks: 3 });
    await expect(client().chat(ask('x', { onToken: () => {} }))).rejects.toMatchObject({
      code: 'bad_response',
      message: expect.stringContaining('stream ended'),
    });
  });

  it('reports a stream whose connection is cut as a ModelError', async () => {
    fake.enqueue({ truncate: 'destroy', reply: { content: 'cut short' }, afterChunks: 2 });
    await expect(client({ maxRetries: 0 }).chat(ask('x', { onToken: () => {} }))).rejects.toMatchObject({
      code: 'bad_response',
      message: expect.stringContaining('the stream broke off'),
    });
  });

  it('maps a refused request (401) to bad_response naming the status', async () => {
    const wrongKey = new OpenAIModelClient(
      OpenAIModel.parse({ id: 'gpt', provider: 'openai', model: 'fake-model', baseUrl: fake.baseURL }),
      'sk-other',
    );
    await expect(wrongKey.chat(ask('x'))).rejects.toMatchObject({
      code: 'bad_response',
      message: expect.stringContaining('HTTP 401'),
    });
  });

  it('stops when the caller aborts', async () => {
    fake.enqueue({ hang: true });
    const ac = new AbortController();
    const pending = client().chat(ask('x', { signal: ac.signal }));
    setTimeout(() => ac.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });
});
