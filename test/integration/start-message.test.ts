import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageEvent, SessionInfo, TurnEndEvent } from '../../schemas/protocol.ts';
import { api, call, connect, exampleGraph, memoryToolGraph, ok, startTestRunner, type TestRunner } from './helpers.ts';

/**
 * The session-start message (the design's UserLogin): a graph that names a `start` topic greets
 * before the first user message. The support example greets the user by name with what the
 * memory tool remembers of them.
 */
const TENANT = 'acme-start-token-0123456789abcdef';
const ANN = 'acme-start-ann-0123456789abcdef';
let runner: TestRunner;
const sockets: Socket[] = [];

beforeAll(async () => {
  runner = await startTestRunner({
    tokens: [
      { token: TENANT, tenant: 'acme' },
      { token: ANN, tenant: 'acme', user: 'ann' },
    ],
  });
  for (const graph of [exampleGraph('support'), memoryToolGraph]) {
    const saved = await api(runner.url, 'POST', '/api/graphs', { token: TENANT, body: { graph } });
    expect(saved.status, saved.text).toBe(201);
  }
  const mem = await api(runner.url, 'POST', '/api/sessions', { token: ANN, body: { graphId: 'mem' } });
  const stored = await api(runner.url, 'POST', `/api/sessions/${mem.json.id}/messages`, {
    token: ANN,
    body: { content: 'set plan pro', wait: true },
  });
  expect(stored.status, stored.text).toBe(200);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await runner?.stop();
});

async function open(token: string): Promise<Socket> {
  const socket = await connect(runner.url, token);
  sockets.push(socket);
  return socket;
}

/** Creates a session over Socket.IO and collects what the socket hears of it until its first turn ends. */
async function createAndListen(socket: Socket, payload: Record<string, unknown>) {
  const heard: MessageEvent[] = [];
  const tokens: string[] = [];
  const ends: TurnEndEvent[] = [];
  socket.on('message', (m: MessageEvent) => heard.push(m));
  socket.on('token', (t: { delta: string }) => tokens.push(t.delta));
  socket.on('turn_end', (e: TurnEndEvent) => ends.push(e));
  const created = ok(
    await call<{ session: SessionInfo; messages?: MessageEvent[] }>(socket, 'session:create', payload),
  );
  return { created, heard, tokens, ends };
}

describe('the session-start message', () => {
  it('greets the user by name with their memory as the first turn, streamed like any turn', async () => {
    const socket = await open(ANN);
    const context = { page: '/billing', locale: 'en-GB' };
    const { created, heard, ends } = await createAndListen(socket, { graphId: 'support', context });
    // The turn's end is always heard live: the socket is in the room before the turn can end.
    expect(created.session.state).not.toBe('idle');
    const start = created.messages![0]!;
    await expect.poll(() => ends.find((e) => e.turnId === start.turnId), { timeout: 30_000 }).toBeDefined();
    expect(ends.find((e) => e.turnId === start.turnId)!.reason).toBe('completed');

    // The start message: on the start topic, the session id as source, user, tenant, time, context.
    expect(start).toMatchObject({
      sender: 'session',
      role: 'system',
      topic: { type: 'support.start', source: created.session.id },
      output: false,
    });
    const content = JSON.parse(start.content);
    expect(content).toEqual({
      event: 'session_start',
      sessionId: created.session.id,
      user: 'ann',
      tenant: 'acme',
      time: new Date(created.session.createdAt).toISOString(),
      context,
    });

    // The greeting is the turn's output, heard live or in the create answer (nothing falls between).
    const greeting =
      'Hello ann, welcome to support! What I remember from your earlier visits: {"plan":"pro"}. How can I help you today?';
    const outputs = [...created.messages!, ...heard].filter((m) => m.turnId === start.turnId && m.output);
    expect(outputs.map((m) => m.content)).toContain(greeting);

    // The transcript starts with that turn; the user's first message is the next one.
    const sent = await api(runner.url, 'POST', `/api/sessions/${created.session.id}/messages`, {
      token: ANN,
      body: { content: 'I need a refund', wait: true },
    });
    expect(sent.json.messages.map((m: MessageEvent) => m.content).join('\n')).toContain('R-1042');
    const transcript = (await api(runner.url, 'GET', `/api/sessions/${created.session.id}/transcript`, { token: ANN }))
      .json.messages as MessageEvent[];
    expect(transcript[0]!.id).toBe(start.id);
    expect(transcript.filter((m) => m.sender === 'user').map((m) => m.content)).toEqual(['I need a refund']);
    const info = await api(runner.url, 'GET', `/api/sessions/${created.session.id}`, { token: ANN });
    expect(info.json).toMatchObject({ state: 'idle', turns: 2 });
  });

  it('over REST: a tenant token creating for a named user greets that user', async () => {
    const res = await api(runner.url, 'POST', '/api/sessions', {
      token: TENANT,
      body: { graphId: 'support', user: 'bob' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json.state).toBe('running');
    const id = res.json.id;
    // The user's message waits behind the greeting turn, then gets its own.
    const sent = await api(runner.url, 'POST', `/api/sessions/${id}/messages`, {
      token: TENANT,
      body: { content: 'my invoice', wait: true },
    });
    expect(sent.status).toBe(200);
    const transcript = (await api(runner.url, 'GET', `/api/sessions/${id}/transcript`, { token: TENANT })).json
      .messages as MessageEvent[];
    // The message was queued during the greeting turn: the transcript keeps the order things happened in.
    const turn = (turnId: string) => transcript.filter((m) => m.turnId === turnId);
    const greeting = turn(transcript[0]!.turnId);
    expect(greeting.map((m) => m.sender)).toEqual(['session', 'support-who', 'greeter']);
    expect(greeting[2]!.content).toBe(
      'Hello bob, welcome to support! What I remember from your earlier visits: {}. How can I help you today?',
    );
    expect(turn(sent.json.turnId).map((m) => m.sender)).toEqual(['user', 'triage', 'billing']);
  });

  it('a graph without a start topic behaves as before: idle, empty transcript', async () => {
    const socket = await open(ANN);
    const { created } = await createAndListen(socket, { graphId: 'mem', context: { page: '/' } });
    expect(created.session.state).toBe('idle');
    expect(created.messages).toBeUndefined();
    const transcript = await api(runner.url, 'GET', `/api/sessions/${created.session.id}/transcript`, { token: ANN });
    expect(transcript.json.messages).toEqual([]);
  });

  it('refuses a context that is too large or malformed, with the field named, and creates nothing', async () => {
    const before = (await api(runner.url, 'GET', '/api/sessions', { token: TENANT })).json.sessions.length;
    const tooBig = await api(runner.url, 'POST', '/api/sessions', {
      token: TENANT,
      body: { graphId: 'support', context: { notes: 'x'.repeat(5000) } },
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.error.details.problems).toEqual([
      { path: '/context', message: 'must be at most 4000 characters as JSON' },
    ]);
    const badKey = await api(runner.url, 'POST', '/api/sessions', {
      token: TENANT,
      body: { graphId: 'support', context: { 'no spaces': 1 } },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.json.error.details.problems[0].path).toBe('/context/no spaces');
    const notObject = await api(runner.url, 'POST', '/api/sessions', {
      token: TENANT,
      body: { graphId: 'support', context: 'hello' },
    });
    expect(notObject.status).toBe(400);
    expect(notObject.json.error.details.problems[0]).toMatchObject({ path: '/context' });
    const socket = await open(TENANT);
    const refused = await call(socket, 'session:create', { graphId: 'support', context: { notes: 'x'.repeat(5000) } });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'invalid',
        details: { problems: [{ path: '/context', message: 'must be at most 4000 characters as JSON' }] },
      },
    });
    expect((await api(runner.url, 'GET', '/api/sessions', { token: TENANT })).json.sessions.length).toBe(before);
  });
});
