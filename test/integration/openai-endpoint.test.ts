import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, exampleGraph, startTestRunner, type TestRunner } from './helpers.ts';

const ACME = 'acme-token-0123456789';
const GLOBEX = 'globex-token-0123456789';

describe('OpenAI-compatible endpoint with the openai package as client', () => {
  let runner: TestRunner;
  let client: OpenAI;

  beforeAll(async () => {
    runner = await startTestRunner({
      tokens: [
        { token: ACME, tenant: 'acme' },
        { token: GLOBEX, tenant: 'globex' },
      ],
    });
    for (const name of ['hello', 'support']) {
      expect(
        (await api(runner.url, 'POST', '/api/graphs', { token: ACME, body: { graph: exampleGraph(name) } })).status,
      ).toBe(201);
    }
    client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: ACME, maxRetries: 0 });
  });
  afterAll(() => runner.stop());

  it('lists the tenant’s graphs as models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['hello', 'support']);
  });

  it('answers non-streaming with the output messages, usage and the session header, and continues the session', async () => {
    const first = await client.chat.completions
      .create({ model: 'support', messages: [{ role: 'user', content: 'I want a refund for last month' }] })
      .withResponse();
    const sessionId = first.response.headers.get('x-switchboard-session');
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.data.object).toBe('chat.completion');
    expect(first.data.choices[0].message.content).toContain('refund request R-1042');
    expect(first.data.choices[0].finish_reason).toBe('stop');
    expect(first.data.usage!.total_tokens).toBeGreaterThan(0);

    const second = await client.chat.completions
      .create(
        { model: 'support', messages: [{ role: 'user', content: 'I cannot log in' }] },
        { headers: { 'x-switchboard-session': sessionId! } },
      )
      .withResponse();
    expect(second.response.headers.get('x-switchboard-session')).toBe(sessionId);
    expect(second.data.choices[0].message.content).toContain('Forgot password');

    const transcript = await api(runner.url, 'GET', `/api/sessions/${sessionId}/transcript`, { token: ACME });
    const userMessages = transcript.json.messages
      .filter((m: { sender: string }) => m.sender === 'user')
      .map((m: { content: string }) => m.content);
    expect(userMessages).toEqual(['I want a refund for last month', 'I cannot log in']);
  });

  it('streams chunks ending in [DONE], with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'hello',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe('chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe('Hello! I am the Switchboard greeter. Ask me anything.');
    expect(finish).toBe('stop');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('keeps one streaming session across requests through the header', async () => {
    const first = await client.chat.completions
      .create({ model: 'hello', messages: [{ role: 'user', content: 'first' }], stream: true })
      .withResponse();
    const sessionId = first.response.headers.get('x-switchboard-session')!;
    for await (const _ of first.data) void _;
    const second = await client.chat.completions.create(
      { model: 'hello', messages: [{ role: 'user', content: 'bye now' }], stream: true },
      { headers: { 'x-switchboard-session': sessionId } },
    );
    let text = '';
    for await (const chunk of second) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('Goodbye');
    const info = await api(runner.url, 'GET', `/api/sessions/${sessionId}`, { token: ACME });
    expect(info.json.turns).toBe(2);
  });

  it('refuses unknown models, foreign sessions and bad requests with API errors', async () => {
    await expect(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404 });
    const other = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: GLOBEX, maxRetries: 0 });
    await expect(
      other.chat.completions.create({ model: 'hello', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404 });
    const own = await client.chat.completions
      .create({ model: 'hello', messages: [{ role: 'user', content: 'x' }] })
      .withResponse();
    const sessionId = own.response.headers.get('x-switchboard-session')!;
    await expect(
      other.chat.completions.create(
        { model: 'hello', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-switchboard-session': sessionId } },
      ),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      client.chat.completions.create({ model: 'hello', messages: [{ role: 'system', content: 'only system' }] }),
    ).rejects.toMatchObject({ status: 400 });
    const bad = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'not-a-token-0123456789', maxRetries: 0 });
    await expect(bad.models.list()).rejects.toMatchObject({ status: 401 });
  });
});

describe('OpenAI endpoint with a human in the loop', () => {
  it("returns a user agent's question and answers it with the next request on the session", async () => {
    const runner = await startTestRunner();
    try {
      expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph: exampleGraph('approval') } })).status).toBe(
        201,
      );
      const client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-in-no-auth-mode', maxRetries: 0 });
      const asked = await client.chat.completions
        .create({ model: 'approval', messages: [{ role: 'user', content: 'dark mode' }] })
        .withResponse();
      const sessionId = asked.response.headers.get('x-switchboard-session')!;
      const text = asked.data.choices[0].message.content!;
      // The draft (an output) and the question that quotes it: the draft is in the text once.
      expect(text).toBe(
        'Draft announcement: "dark mode" is now available to every customer, starting today.\n\nApprove this draft? Answer "approve", or "reject" followed by what to change.',
      );
      const answered = await client.chat.completions.create(
        { model: 'approval', messages: [{ role: 'user', content: 'approve' }] },
        { headers: { 'x-switchboard-session': sessionId } },
      );
      expect(answered.choices[0].message.content).toContain('Published');
      const info = await api(runner.url, 'GET', `/api/sessions/${sessionId}`);
      expect(info.json).toMatchObject({ state: 'idle', turns: 1 });

      // Streamed, the question comes in the same text form as the non-streaming answer.
      const streamed = await client.chat.completions
        .create({ model: 'approval', messages: [{ role: 'user', content: 'dark mode' }], stream: true })
        .withResponse();
      let streamedText = '';
      for await (const chunk of streamed.data) streamedText += chunk.choices[0]?.delta.content ?? '';
      expect(streamedText).toBe(text);
      const approved = await client.chat.completions.create(
        { model: 'approval', messages: [{ role: 'user', content: 'approve' }] },
        { headers: { 'x-switchboard-session': streamed.response.headers.get('x-switchboard-session')! } },
      );
      expect(approved.choices[0].message.content).toContain('Published');
    } finally {
      await runner.stop();
    }
  });
});
