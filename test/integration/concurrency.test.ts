import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageEvent, SessionInfo, TurnEndEvent } from '../../schemas/protocol.ts';
import { api, call, connect, exampleGraph, ok, startTestRunner, type TestRunner } from './helpers.ts';

const SESSIONS = 200;
const MESSAGES = 3;

describe('200 concurrent sessions of one graph', () => {
  let runner: TestRunner;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // 200 clients of one tenant connect at once: more than the default handshake burst.
    runner = await startTestRunner({
      limits: {
        http: { perSecond: 5000, burst: 5000 },
        handshakeTenant: { perSecond: 1000, burst: 1000 },
        socketTenant: { perSecond: 5000, burst: 5000 },
      },
    });
    expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph: exampleGraph('hello') } })).status).toBe(201);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await runner.stop();
  });

  it('keeps each transcript to its own messages while messages interleave', async () => {
    const clients = await Promise.all(
      Array.from({ length: SESSIONS }, async (_, i) => {
        const socket = await connect(runner.url);
        sockets.push(socket);
        const { session } = ok(await call<{ session: SessionInfo }>(socket, 'session:create', { graphId: 'hello' }));
        const live: MessageEvent[] = [];
        const ends: TurnEndEvent[] = [];
        socket.on('message', (m: MessageEvent) => live.push(m));
        socket.on('turn_end', (e: TurnEndEvent) => ends.push(e));
        return { i, socket, session, live, ends };
      }),
    );

    const allEnded = Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            const check = () => {
              if (c.ends.length >= MESSAGES) {
                c.socket.off('turn_end', check);
                resolve();
              }
            };
            c.socket.on('turn_end', check);
          }),
      ),
    );
    // Round-robin: message j of every session goes out before message j+1 of any session.
    for (let j = 0; j < MESSAGES; j++) {
      await Promise.all(
        clients.map((c) =>
          call(c.socket, 'session:send', { sessionId: c.session.id, content: `marker-${c.i}-${j}` }).then(ok),
        ),
      );
    }
    await allEnded;

    for (const c of clients) {
      const { json } = await api(runner.url, 'GET', `/api/sessions/${c.session.id}/transcript`);
      const messages = json.messages as MessageEvent[];
      const text = messages.map((m) => m.content).join('\n');
      for (let j = 0; j < MESSAGES; j++) expect(text).toContain(`marker-${c.i}-${j}`);
      const markers = text.match(/marker-\d+-\d+/g) ?? [];
      expect(new Set(markers.map((m) => m.split('-')[1]))).toEqual(new Set([String(c.i)]));
      expect(messages.every((m) => m.sessionId === c.session.id && m.topic.source === c.session.id)).toBe(true);
      expect(messages.filter((m) => m.sender === 'user').map((m) => m.content)).toEqual(
        Array.from({ length: MESSAGES }, (_, j) => `marker-${c.i}-${j}`),
      );
      expect(messages.filter((m) => m.output && m.sender !== 'user')).toHaveLength(MESSAGES);
      expect(c.live.every((m) => m.sessionId === c.session.id)).toBe(true);
      expect(c.ends.every((e) => e.sessionId === c.session.id && e.reason === 'completed')).toBe(true);
    }
  });
});
