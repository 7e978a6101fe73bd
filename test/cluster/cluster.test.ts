import type { Redis } from 'ioredis';
import { eventually } from '../helpers/eventually.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageEvent, ServerEvents, SessionInfo } from '../../schemas/protocol.ts';
import { LAG_NOISE_MS, UTILIZATION_HEADROOM } from '../../runner/cluster/placement.ts';
import { connectTestRedis, flushPrefix, TEST_REDIS_URL, testPrefix } from '../../runner/cluster/test-support.ts';
import { api, call, connect, nextEvent, ok } from '../integration/helpers.ts';
import { clusterOf as cluster, createSession, startCluster, type ClusterFixture } from './helpers/cluster-fixture.ts';
import { failoverCases } from './helpers/failover-cases.ts';

/**
 * Three `switchboard serve --redis` processes on loopback ports, one Redis, real Socket.IO
 * clients. Fails (never skips) when Redis at REDIS_URL is unreachable. The failover cases also
 * run on Postgres + Redis (cluster-postgres.test.ts).
 */

let redis: Redis;
let fixture: ClusterFixture;
const prefix = testPrefix('cluster');

/** Two agents answering each other until the turn's message budget stops them: pure CPU. */
function spinGraph() {
  return {
    format: 'switchboard/graph',
    version: 1,
    id: 'spin',
    name: 'Spin',
    models: [{ id: 'm', provider: 'scripted', fallback: '{agent} #{call}' }],
    agents: [
      { id: 'ping', type: 'ping', kind: 'assistant', config: { model: 'm', stream: false, contextWindow: 2 } },
      { id: 'pong', type: 'pong', kind: 'assistant', config: { model: 'm', stream: false, contextWindow: 2 } },
    ],
    topics: [
      { id: 'in', type: 'spin.in' },
      { id: 'a', type: 'spin.a' },
      { id: 'b', type: 'spin.b' },
    ],
    subscriptions: [
      { id: 's1', topic: 'in', agent: 'ping' },
      { id: 's2', topic: 'b', agent: 'ping' },
      { id: 's3', topic: 'a', agent: 'pong' },
    ],
    publications: [
      { id: 'p1', agent: 'ping', topic: 'a' },
      { id: 'p2', agent: 'pong', topic: 'b' },
    ],
    entry: 'in',
    output: ['a'],
    limits: { maxMessagesPerTurn: 2000, maxTurnMs: 120_000, maxTokensPerSession: 100_000_000, allowedHosts: [] },
  };
}

beforeAll(async () => {
  redis = await connectTestRedis();
  fixture = await startCluster({ name: 'redis', redisUrl: TEST_REDIS_URL, env: { REDIS_PREFIX: prefix } }, 3, [
    spinGraph(),
  ]);
});

afterAll(async () => {
  await fixture?.close();
  await flushPrefix(redis, prefix);
  redis.disconnect();
});

describe('cluster mode, three runner processes on one Redis', () => {
  it('streams one session to clients attached to two different processes', async () => {
    const { members, sockets } = fixture;
    const [a, b] = members;
    const session = await createSession(a, 'echo');
    const clients = await Promise.all([connect(a.url), connect(b.url)]);
    sockets.push(...clients);
    const seen = clients.map(() => [] as MessageEvent[]);
    const ended = clients.map((c) => new Promise<ServerEvents['turn_end']>((resolve) => c.on('turn_end', resolve)));
    clients.forEach((c, i) => c.on('message', (m: MessageEvent) => seen[i].push(m)));
    for (const c of clients) ok(await call(c, 'session:join', { sessionId: session.id }));

    ok(await call(clients[1], 'session:send', { sessionId: session.id, content: 'hello cluster' }));
    const ends = await Promise.all(
      ended.map((e) =>
        Promise.race([e, new Promise<never>((_, no) => setTimeout(() => no(new Error('no turn_end')), 20_000))]),
      ),
    );
    expect(ends.map((e) => e.reason)).toEqual(['completed', 'completed']);
    await eventually(
      async () => seen.map((s) => s.length),
      (n) => n.every((x) => x === 2),
      'both clients to see both messages',
      5000,
    );
    expect(seen[0].map((m) => [m.id, m.content])).toEqual(seen[1].map((m) => [m.id, m.content]));
    expect(seen[0].map((m) => m.content)).toEqual(['hello cluster', 'echo: hello cluster']);
  });

  it('keeps the events of a session only its owner serves off Redis, and streams them once a client elsewhere joins', async () => {
    const { members, sockets } = fixture;
    const [a, b] = members;
    let session: SessionInfo;
    let attempts = 0;
    do
      session = await createSession(a, 'echo'); // created by a request to its owner: no other process knows it
    while (session.owner !== a.id && ++attempts < 50);
    expect(session.owner).toBe(a.id);
    const stream = `${prefix}socket.io`;
    const streamed = async (after: string) =>
      (await redis.xrange(stream, `(${after}`, '+'))
        .map(([, fields]) => fields.join(' '))
        .filter((e) => e.includes(session.id));
    const last = async () => (await redis.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    const local = await connect(a.url);
    sockets.push(local);
    ok(await call(local, 'session:join', { sessionId: session.id, events: 'chat' }));

    let from = await last();
    let ended = nextEvent(local, 'turn_end');
    ok(await call(local, 'session:send', { sessionId: session.id, content: 'alone' }));
    await ended;
    await new Promise((r) => setTimeout(r, 200)); // a batch still being written
    expect(await streamed(from)).toEqual([]);

    const remote = await connect(b.url);
    sockets.push(remote);
    const states: string[] = [];
    remote.on('session', (e: ServerEvents['session']) => states.push(e.state));
    ok(await call(remote, 'session:join', { sessionId: session.id, events: 'all' }));
    from = await last();
    ended = nextEvent(remote, 'turn_end');
    ok(await call(local, 'session:send', { sessionId: session.id, content: 'watched' }));
    await ended;
    await eventually(
      async () => states,
      (s) => s.includes('running') && s.at(-1) === 'idle',
      'the remote client to see the states of the turn',
    );
    expect((await streamed(from)).join()).toContain('["session",');
    expect((await streamed(from)).join()).toContain('turn_end');
  });

  it('streams every event to a socket whose session:create placed the session on another process', async () => {
    const { members, sockets, memberOf } = fixture;
    const b = members[1];
    const socket = await connect(b.url);
    sockets.push(socket);
    const states: string[] = [];
    socket.on('session', (e: ServerEvents['session']) => states.push(e.state));
    let session: SessionInfo;
    let attempts = 0;
    do
      session = ok(
        await call<{ session: SessionInfo }>(socket, 'session:create', { graphId: 'echo', events: 'all' }),
      ).session;
    while (session.owner === b.id && ++attempts < 50);
    expect(session.owner).not.toBe(b.id);
    const ended = nextEvent(socket, 'turn_end', (e) => e.sessionId === session.id);
    // Sent to the owner directly: nothing but the join told the owner of the socket here.
    const res = await api(memberOf(session.owner)!.url, 'POST', `/api/sessions/${session.id}/messages`, {
      body: { content: 'placed elsewhere' },
    });
    expect(res.status).toBe(202);
    await ended;
    await eventually(
      async () => states,
      (s) => s.includes('running') && s.at(-1) === 'idle',
      'the states of the turn on the socket that created the session',
    );
  });

  failoverCases(() => fixture);

  it('spreads 300 sessions evenly and keeps new ones off a process made busy', async () => {
    const { alive, startMember } = fixture;
    while (alive().length < 3) await startMember();
    const live = alive();
    // Equal load first: a process that has just started (or was just starved) reports event-loop
    // lag for a while, and placement rightly weighs it, which is not what "even" is about.
    await eventually(
      () => cluster(live[0]),
      (list) =>
        list.length === live.length &&
        list.every((p) => p.eventLoopLagMs <= LAG_NOISE_MS && p.eventLoopUtilization <= UTILIZATION_HEADROOM),
      'every process to report calm event loops',
      30_000,
    );
    const countsBefore = new Map((await cluster(live[0])).map((p) => [p.id, p.ownedSessions]));
    const created: SessionInfo[] = [];
    for (let batch = 0; batch < 30; batch++) {
      created.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, i) => createSession(live[(batch + i) % live.length], 'echo')),
        )),
      );
    }
    expect(created).toHaveLength(300);
    const processes = await cluster(live[0]);
    for (const m of live) {
      const added = (processes.find((p) => p.id === m.id)?.ownedSessions ?? 0) - (countsBefore.get(m.id) ?? 0);
      expect(Math.abs(added - 100), `${m.id} got ${added} of 300`).toBeLessThanOrEqual(20);
    }

    // Busy on purpose: back-to-back long agent loops on sessions the chosen process owns.
    const busy = live[2];
    const loops: SessionInfo[] = [];
    while (loops.length < 3) {
      const s = await createSession(busy, 'spin');
      if (s.owner === busy.id) loops.push(s);
    }
    let stop = false;
    const drivers = loops.map(async (s, i) => {
      for (let n = 0; !stop; n++)
        await api(busy.url, 'POST', `/api/sessions/${s.id}/messages`, {
          body: { content: `spin ${i}.${n}`, wait: true },
        });
    });
    try {
      await eventually(
        () => cluster(live[0]),
        (list) => (list.find((p) => p.id === busy.id)?.eventLoopUtilization ?? 0) > 0.75,
        'the busy process to publish its load',
      );
      const placed: SessionInfo[] = [];
      for (let i = 0; i < 30; i++) placed.push(await createSession(live[i % 2], 'echo'));
      const onBusy = placed.filter((s) => s.owner === busy.id).length;
      const loads = (await cluster(live[0])).map((p) => ({
        id: p.id,
        owned: p.ownedSessions,
        lag: p.eventLoopLagMs,
        busy: p.eventLoopUtilization,
        queue: p.queueDepth,
      }));
      expect(
        onBusy,
        `${onBusy} of 30 new sessions went to the busy process ${busy.id}; loads now ${JSON.stringify(loads)}`,
      ).toBeLessThanOrEqual(3);
    } finally {
      stop = true;
      await Promise.all(drivers);
    }
  });
});
