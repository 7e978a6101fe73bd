import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerEventName, SessionInfo, TokenEvent } from '../../schemas/protocol.ts';
import { EventPrinter } from '../../runner/cli-print.ts';
import { echoGraph } from '../hardening/fixtures/graphs.ts';
import { api, call, connect, startTestRunner, type TestRunner } from './helpers.ts';

/** 40 tokens of 4 characters, streamed at 200 tokens a second: 0.2 s, about four 50 ms windows. */
const TOKENS = 40;
const REPLY = Array.from({ length: TOKENS }, (_, i) => `t${String(i).padStart(2, '0')} `).join('');

const PACED = echoGraph('paced', {
  models: [
    {
      id: 'script',
      provider: 'scripted',
      fallback: REPLY,
      tokenSize: 4,
      pace: { tokensPerSecond: 200, chunkTokens: 1 },
    },
  ],
  agents: [{ id: 'echo', type: 'writer', kind: 'assistant', config: { model: 'script', stream: true } }],
});

let runner: TestRunner | undefined;
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

async function runnerWithWindow(tokenWindowMs: number): Promise<TestRunner> {
  runner = await startTestRunner({ tokenWindowMs });
  expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph: PACED } })).status).toBe(201);
  return runner;
}

/** One turn over Socket.IO: every event a chat client got, in order. */
async function socketTurn(url: string): Promise<Array<{ event: ServerEventName; payload: any }>> {
  const socket = await connect(url);
  try {
    const events: Array<{ event: ServerEventName; payload: any }> = [];
    const ended = new Promise<void>((done) =>
      socket.onAny((event: ServerEventName, payload: unknown) => {
        events.push({ event, payload });
        if (event === 'turn_end') done();
      }),
    );
    const created = await call<{ session: SessionInfo }>(socket, 'session:create', {
      graphId: 'paced',
      events: 'chat',
    });
    if (!created.ok) throw new Error(created.error.message);
    expect((await call(socket, 'session:send', { sessionId: created.session.id, content: 'go' })).ok).toBe(true);
    await ended;
    return events;
  } finally {
    socket.close();
  }
}

describe('token streaming over Socket.IO', () => {
  it('coalesces a paced stream into fewer token events that join to the reply, all before the message and the turn end', async () => {
    const { url } = await runnerWithWindow(50);
    const events = await socketTurn(url);
    const tokens = events.filter((e) => e.event === 'token').map((e) => e.payload as TokenEvent);
    expect(tokens.map((t) => t.delta).join('')).toBe(REPLY);
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.length).toBeLessThan(TOKENS / 2);
    expect(new Set(tokens.map((t) => t.messageId)).size).toBe(1);
    const order = events.map((e) => e.event);
    const reply = events.findIndex((e) => e.event === 'message' && e.payload.sender === 'writer');
    expect(order.lastIndexOf('token')).toBeLessThan(reply);
    expect(events[reply]!.payload.content).toBe(REPLY);
    expect(order.at(-1)).toBe('turn_end');

    // The CLI prints the coalesced stream as it would the per-token one: one line, not repeated.
    let printed = '';
    const printer = new EventPrinter((s) => (printed += s), false);
    for (const e of events) printer.print(e.event, e.payload);
    expect(printed).toBe(`writer: ${REPLY}\n-- turn ended: completed\n`);
  });

  it('with a window of 0 sends one event per token', async () => {
    const { url } = await runnerWithWindow(0);
    const tokens = (await socketTurn(url)).filter((e) => e.event === 'token').map((e) => e.payload as TokenEvent);
    expect(tokens).toHaveLength(TOKENS);
    expect(tokens.map((t) => t.delta).join('')).toBe(REPLY);
  });
});

describe('token streaming over the OpenAI-compatible SSE endpoint', () => {
  async function sseChunks(url: string) {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-in-no-auth-mode', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'paced',
      messages: [{ role: 'user', content: 'go' }],
      stream: true,
    });
    const contents: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'paced' });
      expect(chunk.id).toMatch(/^chatcmpl-/);
      const choice = chunk.choices[0]!;
      expect(choice.index).toBe(0);
      if (choice.delta.content) contents.push(choice.delta.content);
      finish = choice.finish_reason ?? finish;
    }
    return { contents, finish };
  }

  it('coalesces tokens into valid OpenAI chunks that join to the reply', async () => {
    const { url } = await runnerWithWindow(50);
    const { contents, finish } = await sseChunks(url);
    expect(contents.join('')).toBe(REPLY);
    expect(contents.length).toBeGreaterThan(1);
    expect(contents.length).toBeLessThan(TOKENS / 2);
    expect(finish).toBe('stop');
  });

  it('with a window of 0 writes one chunk per token', async () => {
    const { url } = await runnerWithWindow(0);
    const { contents } = await sseChunks(url);
    expect(contents).toHaveLength(TOKENS);
    expect(contents.join('')).toBe(REPLY);
  });
});
