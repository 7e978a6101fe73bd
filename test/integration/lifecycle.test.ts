import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'socket.io-client';
import { eventually } from '../helpers/eventually.ts';
import { afterAll, describe, expect, it } from 'vitest';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import { api, call, connect, exampleGraph, ok, spawnServer, startTestRunner, tempDir } from './helpers.ts';

const gauge = (metrics: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN);

describe('idle timeout', () => {
  it('frees every agent instance of idle sessions and brings them back on the next message', async () => {
    const runner = await startTestRunner({ idleTimeoutMs: 300 });
    try {
      expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph: exampleGraph('support') } })).status).toBe(
        201,
      );
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const s = await api(runner.url, 'POST', '/api/sessions', { body: { graphId: 'support' } });
        ids.push(s.json.id);
        const turn = await api(runner.url, 'POST', `/api/sessions/${s.json.id}/messages`, {
          body: { content: `refund please ${i}`, wait: true },
        });
        expect(turn.status).toBe(200);
      }
      const metrics = () => api(runner.url, 'GET', '/metrics').then((r) => r.text);
      const freed = await eventually(
        metrics,
        (m) => gauge(m, 'switchboard_live_sessions') === 0 && gauge(m, 'switchboard_agent_instances') === 0,
        'idle sessions to be freed',
      );
      expect(gauge(freed, 'switchboard_queue_depth')).toBe(0);
      expect(runner.sessions.stats()).toEqual({ liveSessions: 0, instances: 0, queueDepth: 0 });

      const again = await api(runner.url, 'POST', `/api/sessions/${ids[0]}/messages`, {
        body: { content: 'my invoice', wait: true },
      });
      expect(again.status).toBe(200);
      const transcript = (await api(runner.url, 'GET', `/api/sessions/${ids[0]}/transcript`)).json
        .messages as MessageEvent[];
      expect(transcript.filter((m) => m.sender === 'user').map((m) => m.content)).toEqual([
        'refund please 0',
        'my invoice',
      ]);
    } finally {
      await runner.stop();
    }
  });
});

describe('restart mid-run', () => {
  const dir = tempDir();
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.disconnect();
    dir.remove();
  });

  it('resumes every session after the server process is killed, losing no acknowledged message', async () => {
    const N = 30;
    const first = await spawnServer(['--data', dir.path]);
    expect((await api(first.url, 'POST', '/api/graphs', { body: { graph: exampleGraph('hello') } })).status).toBe(201);
    const sessions: Array<{ id: string; lastSeen: string; acked: string[] }> = [];
    for (let i = 0; i < N; i++) {
      const s = await api(first.url, 'POST', '/api/sessions', { body: { graphId: 'hello' } });
      const turn = await api(first.url, 'POST', `/api/sessions/${s.json.id}/messages`, {
        body: { content: `s${i} before`, wait: true },
      });
      expect(turn.status).toBe(200);
      sessions.push({
        id: s.json.id,
        lastSeen: (turn.json.messages as MessageEvent[]).at(-1)!.id,
        acked: [`s${i} before`],
      });
    }

    // Mid-run: every session gets two more messages, acknowledged (persisted) but racing their turns.
    const socket = await connect(first.url);
    sockets.push(socket);
    await Promise.all(
      sessions.map(async (s, i) => {
        for (const n of [1, 2]) {
          ok(await call(socket, 'session:send', { sessionId: s.id, content: `s${i} during ${n}` }));
          s.acked.push(`s${i} during ${n}`);
        }
      }),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    socket.disconnect();

    const second = await spawnServer(['--data', dir.path]);
    try {
      const again = await connect(second.url);
      sockets.push(again);
      for (const [i, s] of sessions.entries()) {
        const { messages } = ok(
          await call<{ session: SessionInfo; messages: MessageEvent[] }>(again, 'session:join', {
            sessionId: s.id,
            afterMessageId: s.lastSeen,
          }),
        );
        expect(messages.map((m) => m.id)).not.toContain(s.lastSeen);
        ok(await call(again, 'session:send', { sessionId: s.id, content: `s${i} after` }));
        s.acked.push(`s${i} after`);
      }
      for (const s of sessions) {
        const transcript = await eventually(
          async () =>
            (await api(second.url, 'GET', `/api/sessions/${s.id}/transcript`)).json.messages as MessageEvent[],
          (ms) => ms.filter((m) => m.output && m.sender !== 'user').length >= s.acked.length,
          `every turn of ${s.id} to finish`,
        );
        expect(transcript.filter((m) => m.sender === 'user').map((m) => m.content)).toEqual(s.acked);
        const replies = transcript.filter((m) => m.output && m.sender !== 'user').map((m) => m.content);
        for (const content of s.acked) expect(replies).toContain(`You said: ${content}`);
        expect(new Set(transcript.map((m) => m.id)).size).toBe(transcript.length);
      }
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

describe('restart with turns in flight', () => {
  it('finishes the turns a killed process left running, with no client touching those sessions', async () => {
    // A tool agent fetches from this server: until the runner is killed every request hangs, so
    // each turn is stored mid-flight; afterwards it answers.
    const held: ServerResponse[] = [];
    let answering = false;
    let requests = 0;
    const upstream = createServer((req, res) => {
      requests++;
      if (answering) res.end(`fetched ${new URL(req.url!, 'http://x').searchParams.get('q')}`);
      else held.push(res);
    });
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    const port = (upstream.address() as AddressInfo).port;
    const graph = {
      format: 'switchboard/graph',
      version: 1,
      id: 'fetcher',
      name: 'Fetcher',
      limits: { allowedHosts: ['127.0.0.1'] },
      agents: [
        {
          id: 'fetch',
          type: 'fetch',
          kind: 'tool',
          config: { tool: 'http_get', argument: `http://127.0.0.1:${port}/slow?q={input}` },
        },
      ],
      topics: [
        { id: 'in', type: 'fetch.in' },
        { id: 'out', type: 'fetch.out' },
      ],
      subscriptions: [{ id: 's1', topic: 'in', agent: 'fetch' }],
      publications: [{ id: 'p1', agent: 'fetch', topic: 'out' }],
      entry: 'in',
      output: ['out'],
    };
    const dir = tempDir();
    const first = await spawnServer(['--data', dir.path]);
    let second: Awaited<ReturnType<typeof spawnServer>> | undefined;
    try {
      expect((await api(first.url, 'POST', '/api/graphs', { body: { graph } })).status).toBe(201);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { json } = await api(first.url, 'POST', '/api/sessions', { body: { graphId: 'fetcher' } });
        expect(
          (await api(first.url, 'POST', `/api/sessions/${json.id}/messages`, { body: { content: `q${i}` } })).status,
        ).toBeLessThan(300);
        ids.push(json.id);
      }
      await eventually(
        async () => requests,
        (n) => n === 3,
        'every turn to be waiting on its fetch',
      );
      first.child.kill('SIGKILL');
      await first.exited;
      answering = true;
      for (const res of held) res.destroy();

      second = await spawnServer(['--data', dir.path]);
      // Only the list is read: it does not load a session, so nothing but the restart resumes them.
      const list = await eventually(
        async () => (await api(second!.url, 'GET', '/api/sessions?graphId=fetcher')).json.sessions as SessionInfo[],
        (ss) => ss.length === 3 && ss.every((s) => s.state === 'idle' && s.turns === 1),
        'the interrupted turns to finish',
      );
      expect(list.map((s) => s.id).sort()).toEqual([...ids].sort());
      for (const [i, id] of ids.entries()) {
        const messages = (await api(second.url, 'GET', `/api/sessions/${id}/transcript`)).json
          .messages as MessageEvent[];
        expect(messages.filter((m) => m.output && m.sender !== 'user').map((m) => m.content)).toEqual([
          `fetched q${i}`,
        ]);
      }
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      await second?.exited;
      upstream.close();
      dir.remove();
    }
  });
});
