import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, MessageEvent, SessionInfo, TokenEvent } from '../../schemas/protocol.ts';
import { api, call, connect, exampleGraph, nextEvent, ok, startTestRunner, type TestRunner } from './helpers.ts';

const ACME = 'acme-token-0123456789';
const GLOBEX = 'globex-token-0123456789';

describe('Socket.IO protocol', () => {
  let runner: TestRunner;
  const sockets: Socket[] = [];
  const open = async (token: string) => {
    const s = await connect(runner.url, token);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    runner = await startTestRunner({
      tokens: [
        { token: ACME, tenant: 'acme' },
        { token: GLOBEX, tenant: 'globex' },
      ],
      limits: { socketPayloadBytes: 50_000, socket: { perSecond: 20, burst: 40 } },
    });
    for (const token of [ACME, GLOBEX])
      expect(
        (await api(runner.url, 'POST', '/api/graphs', { token, body: { graph: exampleGraph('hello') } })).status,
      ).toBe(201);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(() => runner.stop());

  it('refuses a handshake without a valid token', async () => {
    await expect(connect(runner.url)).rejects.toMatchObject({ data: { code: 'unauthorized' } });
    await expect(connect(runner.url, 'not-a-token-0123456789')).rejects.toMatchObject({
      data: { code: 'unauthorized' },
    });
  });

  it('creates a session, streams its events to the room and acks every event', async () => {
    const socket = await open(ACME);
    const { session } = ok(await call<{ session: SessionInfo }>(socket, 'session:create', { graphId: 'hello' }));
    const reply = nextEvent(socket, 'message', (m) => m.output && m.sender !== 'user');
    const end = nextEvent(socket, 'turn_end');
    const tokens: TokenEvent[] = [];
    const agents: AgentEvent[] = [];
    socket.on('token', (t: TokenEvent) => tokens.push(t));
    socket.on('agent', (a: AgentEvent) => agents.push(a));
    const sent = ok(
      await call<{ messageId: string; turnId: string }>(socket, 'session:send', {
        sessionId: session.id,
        content: 'hi',
      }),
    );
    expect(sent.turnId).toBeTruthy();
    const answer = await reply;
    expect(answer.content).toContain('Switchboard greeter');
    expect(await end).toMatchObject({ sessionId: session.id, turnId: sent.turnId, reason: 'completed' });
    // Every streamed token arrives: together they spell the reply. The runner coalesces the
    // tokens of one 50 ms window into one event (token-stream.test.ts covers the window).
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    expect(tokens.map((t) => t.delta).join('')).toBe(answer.content);
    expect(agents.map((a) => `${a.agent}:${a.phase}`)).toEqual(['greeter:start', 'greeter:finish']);
  });

  it('answers wrong shapes, unknown events and oversized payloads with errors, and keeps serving', async () => {
    const socket = await open(ACME);
    const bad = await call(socket, 'session:send', { sessionId: 'nope', content: '' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid');
      expect((bad.error.details as { problems: Array<{ path: string }> }).problems.map((p) => p.path)).toEqual(
        expect.arrayContaining(['/sessionId', '/content']),
      );
    }
    const unknown = await call(socket, 'make:coffee', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
    const extra = await call(socket, 'session:create', { graphId: 'hello', admin: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const huge = await call(socket, 'session:send', {
      sessionId: '7b0c1f5e-2f57-4e6a-9b8e-3c1d2e4f5a6b',
      content: 'x'.repeat(45_000),
      pad: 'y'.repeat(6_000),
    });
    expect(huge).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    const twoArgs = await socket
      .timeout(5000)
      .emitWithAck('session:leave', { sessionId: '7b0c1f5e-2f57-4e6a-9b8e-3c1d2e4f5a6b' }, 'extra');
    expect(twoArgs).toMatchObject({ ok: false, error: { code: 'invalid' } });

    const errorEvent = nextEvent(socket, 'error');
    socket.emit('session:join', { sessionId: 42 });
    expect(await errorEvent).toMatchObject({ code: 'invalid' });

    expect(socket.connected).toBe(true);
    expect(
      ok(await call<{ session: SessionInfo }>(socket, 'session:create', { graphId: 'hello' })).session.id,
    ).toBeTruthy();

    // Past twice the limit the packet is never parsed: that connection closes, the server carries on.
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    socket.emit('session:send', { sessionId: '7b0c1f5e-2f57-4e6a-9b8e-3c1d2e4f5a6b', content: 'z'.repeat(120_000) });
    expect(await closed).toBeTruthy();
    const fresh = await open(ACME);
    expect(
      ok(await call<{ session: SessionInfo }>(fresh, 'session:create', { graphId: 'hello' })).session.id,
    ).toBeTruthy();
  });

  it('limits a flooding socket with rate_limited acks, not a crash', async () => {
    const socket = await open(ACME);
    const acks = await Promise.all(
      Array.from({ length: 80 }, () =>
        call(socket, 'session:leave', { sessionId: '7b0c1f5e-2f57-4e6a-9b8e-3c1d2e4f5a6b' }),
      ),
    );
    expect(acks.filter((a) => a.ok).length).toBeGreaterThanOrEqual(40);
    expect(acks.some((a) => !a.ok && a.error.code === 'rate_limited')).toBe(true);
    expect(socket.connected).toBe(true);
  });

  it("keeps a second tenant out of the first tenant's session (join, send, input, close)", async () => {
    const owner = await open(ACME);
    const { session } = ok(await call<{ session: SessionInfo }>(owner, 'session:create', { graphId: 'hello' }));
    const intruder = await open(GLOBEX);
    const seen: unknown[] = [];
    intruder.onAny((event, payload) => seen.push([event, payload]));
    for (const [event, payload] of [
      ['session:join', { sessionId: session.id }],
      ['session:send', { sessionId: session.id, content: 'let me in' }],
      ['session:input', { sessionId: session.id, requestId: 'r1', content: 'x' }],
      ['turn:abort', { sessionId: session.id }],
      ['session:close', { sessionId: session.id }],
    ] as const) {
      expect(await call(intruder, event, payload)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    const end = nextEvent(owner, 'turn_end');
    ok(await call(owner, 'session:send', { sessionId: session.id, content: 'hello again' }));
    await end;
    expect(seen).toEqual([]);
    const transcript = ok(
      await call<{ messages: MessageEvent[] }>(owner, 'session:join', { sessionId: session.id }),
    ).messages;
    expect(transcript.map((m) => m.content).join(' ')).not.toContain('let me in');
    expect((await api(runner.url, 'GET', `/api/sessions/${session.id}/transcript`, { token: GLOBEX })).status).toBe(
      404,
    );
  });

  it('sends a chat socket only the chat events, an all socket the trace too, and a rejoin changes the scope', async () => {
    const chat = await open(ACME);
    const { session } = ok(
      await call<{ session: SessionInfo }>(chat, 'session:create', { graphId: 'hello', events: 'chat' }),
    );
    const all = await open(ACME);
    ok(await call(all, 'session:join', { sessionId: session.id }));
    const seen = (socket: Socket) => {
      const names: string[] = [];
      socket.onAny((event: string, payload: MessageEvent) =>
        names.push(
          event === 'message'
            ? `message:${payload.sender === 'user' ? 'user' : payload.output ? 'output' : 'internal'}`
            : event,
        ),
      );
      return names;
    };
    const chatSaw = seen(chat);
    const allSaw = seen(all);
    const turn = async (content: string) => {
      const ends = [nextEvent(chat, 'turn_end'), nextEvent(all, 'turn_end')];
      ok(await call(chat, 'session:send', { sessionId: session.id, content }));
      await Promise.all(ends);
    };
    const TRACE = ['agent', 'usage', 'session', 'message:internal'];
    const chatOnly = (names: string[]) => {
      expect(names).toEqual(expect.arrayContaining(['message:user', 'message:output', 'turn_end']));
      for (const trace of TRACE) expect(names).not.toContain(trace);
    };
    await turn('hello');
    chatOnly(chatSaw);
    for (const trace of ['agent', 'usage', 'session']) expect(allSaw).toContain(trace);
    expect(allSaw.filter((e) => e.startsWith('message:'))).toEqual(
      expect.arrayContaining(['message:user', 'message:output']),
    );

    // the all socket rejoins as a chat socket: no more trace for it
    ok(await call(all, 'session:join', { sessionId: session.id, events: 'chat' }));
    allSaw.length = 0;
    await turn('again');
    chatOnly(allSaw);
  });

  it('catches a rejoining client up from its last seen message id', async () => {
    const first = await open(ACME);
    const { session } = ok(await call<{ session: SessionInfo }>(first, 'session:create', { graphId: 'hello' }));
    let end = nextEvent(first, 'turn_end');
    ok(await call(first, 'session:send', { sessionId: session.id, content: 'turn one' }));
    await end;
    const seenSoFar = ok(
      await call<{ messages: MessageEvent[] }>(first, 'session:join', { sessionId: session.id }),
    ).messages;
    const lastSeen = seenSoFar.at(-1)!.id;
    first.disconnect();

    const other = await open(ACME);
    ok(await call(other, 'session:join', { sessionId: session.id }));
    end = nextEvent(other, 'turn_end');
    ok(
      await call(other, 'session:send', { sessionId: session.id, content: 'turn two while the first client was away' }),
    );
    await end;

    const back = await open(ACME);
    const missed = ok(
      await call<{ messages: MessageEvent[] }>(back, 'session:join', {
        sessionId: session.id,
        afterMessageId: lastSeen,
      }),
    ).messages;
    expect(missed.map((m) => m.content)).toContain('turn two while the first client was away');
    expect(missed.map((m) => m.id)).not.toContain(lastSeen);
    expect([...seenSoFar, ...missed].filter((m) => m.sender === 'user').map((m) => m.content)).toEqual([
      'turn one',
      'turn two while the first client was away',
    ]);
  });

  it('after a dropped connection, a client rejoins from its last message and gets what it missed; no replay buffer is kept in memory', async () => {
    const socket = await connect(runner.url, ACME, { reconnection: true, reconnectionDelay: 50 });
    sockets.push(socket);
    const { session } = ok(await call<{ session: SessionInfo }>(socket, 'session:create', { graphId: 'hello' }));
    const peer = await open(ACME);
    ok(await call(peer, 'session:join', { sessionId: session.id }));
    const seen: MessageEvent[] = [];
    socket.on('message', (m: MessageEvent) => seen.push(m));
    const firstEnd = nextEvent(socket, 'turn_end');
    ok(await call(socket, 'session:send', { sessionId: session.id, content: 'before the drop' }));
    await firstEnd;

    const reconnected = new Promise<boolean>((resolve) => socket.once('connect', () => resolve(socket.recovered)));
    socket.io.engine.close();
    const end = nextEvent(peer, 'turn_end');
    ok(await call(peer, 'session:send', { sessionId: session.id, content: 'said while you were away' }));
    await end;
    expect(await reconnected).not.toBe(true); // a new connection, in no room: the client rejoins
    const { messages } = ok(
      await call<{ messages: MessageEvent[] }>(socket, 'session:join', {
        sessionId: session.id,
        afterMessageId: seen.at(-1)!.id,
      }),
    );
    expect(messages.map((m) => m.content)).toContain('said while you were away');
    expect(messages.map((m) => m.id)).not.toContain(seen.at(-1)!.id);
    // and live events follow again
    const again = nextEvent(socket, 'turn_end');
    ok(await call(peer, 'session:send', { sessionId: session.id, content: 'back in the room' }));
    await again;
  });
});
