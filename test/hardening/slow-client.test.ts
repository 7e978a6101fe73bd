import type { Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { TokenEvent, TurnEndEvent } from '../../schemas/protocol.ts';
import { api, call, connect, memoryLog, ok, startTestRunner, type TestRunner } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * A client that joins a busy session and then never reads. Socket.IO has no backpressure, so the
 * runner must cut that client off rather than queue its events without bound, while a reader in
 * the same session keeps getting every turn. The stalled client speaks Engine.IO long-polling by
 * hand and simply stops polling, so its events queue in the runner (not in kernel socket buffers).
 */
const TURNS = 30;
const REPLY = 'lorem ipsum '.repeat(8_000);
let runner: TestRunner;
const sockets: Socket[] = [];

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await runner?.stop();
});

function memory(): number {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
const connections = async () =>
  Number(/^switchboard_socket_connections (\d+)/m.exec((await api(runner.url, 'GET', '/metrics')).text)![1]);

/** Joins a session over raw Engine.IO polling, then never polls again. */
async function stalledClient(url: string, sessionId: string): Promise<void> {
  const base = `${url}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(base)).text();
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
  const poll = `${base}&sid=${sid}`;
  const post = (body: string) =>
    fetch(poll, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
  await post('40');
  expect(await (await fetch(poll)).text()).toMatch(/^40/);
  await post(`420${JSON.stringify(['session:join', { sessionId }])}`);
  expect(await (await fetch(poll)).text()).toContain('"ok":true');
}

describe('a slow client that never reads', () => {
  it('is cut off once its backlog passes the limit; memory stays bounded and a reader is served throughout', async () => {
    const logged = memoryLog('warn');
    runner = await startTestRunner({}, logged.log);
    // Four agents answer every message with ~96 KB each: ~400 KB of events per turn, ~12 MB in all.
    const agents = ['a1', 'a2', 'a3', 'a4'];
    const graph = echoGraph('chatty', {
      models: [
        { id: 'script', provider: 'scripted', rules: [{ match: { regex: '.' }, reply: REPLY }], tokenSize: 1_000 },
      ],
      agents: agents.map((id) => ({ id, type: id, kind: 'assistant', config: { model: 'script', stream: true } })),
      subscriptions: agents.map((id) => ({ id: `s-${id}`, topic: 'in', agent: id })),
      publications: agents.map((id) => ({ id: `p-${id}`, agent: id, topic: 'out' })),
      // ~100k estimated tokens a turn: lift the session budget so every turn runs in full.
      limits: { maxTokensPerSession: 1_000_000_000 },
    });
    expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph } })).status).toBe(201);
    const sessionId: string = (await api(runner.url, 'POST', '/api/sessions', { body: { graphId: 'chatty' } })).json.id;

    const reader = await connect(runner.url);
    sockets.push(reader);
    ok(await call(reader, 'session:join', { sessionId }));
    const ends: TurnEndEvent[] = [];
    let streamed = 0;
    reader.on('turn_end', (e: TurnEndEvent) => ends.push(e));
    reader.on('token', (t: TokenEvent) => (streamed += t.delta.length));

    await stalledClient(runner.url, sessionId);
    expect(await connections()).toBe(2);
    count({ faults: 1 });
    const before = memory();

    for (let turn = 0; turn < TURNS; turn++) {
      const res = await api(runner.url, 'POST', `/api/sessions/${sessionId}/messages`, {
        body: { content: `turn ${turn}`, wait: true },
      });
      expect(res.status, res.text).toBe(200);
    }
    expect(await connections()).toBe(1);
    // Logged as a warning naming the cause, not as an error of the runner's.
    expect(logged.lines.filter((l) => l.code === 'slow_client')).toEqual([
      expect.objectContaining({
        level: 40,
        tenant: 'local',
        msg: 'socket cut off: it stopped reading its events',
        queuedBytes: expect.any(Number),
      }),
    ]);
    expect(logged.lines.filter((l) => l.level >= 50)).toEqual([]);
    const growth = memory() - before;
    expect(growth, `the runner grew by ${Math.round(growth / 1e6)} MB`).toBeLessThan(32e6);

    await expect.poll(() => ends.length).toBe(TURNS);
    expect(ends.every((e) => e.reason === 'completed')).toBe(true);
    // Tokens are not sent volatile: cutting the stalled client off must not cost the reader its stream.
    expect(streamed, 'the reader got the streamed text').toBeGreaterThan(0);
  });
});
