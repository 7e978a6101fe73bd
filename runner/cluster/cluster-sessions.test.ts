import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Graph } from '../../schemas/graph.ts';
import type { ServerEventName } from '../../schemas/protocol.ts';
import { loadGraph } from '../agents/load-graph.ts';
import { ModelRegistry } from '../models/registry.ts';
import { SingleThreadedAgentRuntime } from '../runtime/single-threaded-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { echoGraph } from '../sessions/test-support.ts';
import type { Caller } from '../sessions/types.ts';
import { joinCluster, type ClusterMember } from './join.ts';
import { connectTestRedis, flushPrefix, TEST_REDIS_URL, testPrefix } from './test-support.ts';
import { recordWrite } from '../store/session-write.ts';

const acme: Caller = { tenant: 'acme', user: 'ann' };
let redis: Redis;
const prefixes: string[] = [];
const members: ClusterMember[] = [];

beforeAll(async () => {
  redis = await connectTestRedis();
});
afterEach(async () => {
  for (const m of members.splice(0)) await m.node.close().catch(() => undefined);
});
afterAll(async () => {
  for (const p of prefixes) await flushPrefix(redis, p);
  redis.disconnect();
});

async function cluster(size: number, options: { leaseTtlMs?: number; loadTtlMs?: number } = {}) {
  const prefix = testPrefix('cluster-sessions');
  prefixes.push(prefix);
  const started: ClusterMember[] = [];
  for (let i = 0; i < size; i++) {
    const member = await joinCluster({
      redisUrl: TEST_REDIS_URL,
      prefix,
      processId: `p${i}`,
      sweepEveryMs: 100,
      ...options,
      // The members share this process's event loop, so its load says nothing about any one of them.
      loopLoad: { sample: () => ({ eventLoopLagMs: 0, eventLoopUtilization: 0 }), stop: () => undefined },
      makeSessions: (stores) =>
        new SessionManager({
          stores,
          runtime: new SingleThreadedAgentRuntime(),
          loadGraph,
          models: new ModelRegistry({}),
        }),
    });
    members.push(member);
    started.push(member);
  }
  const graph = Graph.parse(echoGraph());
  await started[0].store.putGraph({
    tenant: 'acme',
    id: graph.id,
    version: 1,
    graph,
    draft: false,
    updatedAt: Date.now(),
  });
  return started;
}

const waitFor = (check: () => void | Promise<void>, timeout = 10_000) => vi.waitFor(check, { timeout, interval: 20 });

describe('ClusterSessions', () => {
  it('places sessions on the least-loaded member and serves them from any member', async () => {
    const [a, b, c] = await cluster(3);
    const infos = [];
    for (let i = 0; i < 9; i++) infos.push(await [a, b, c][i % 3].sessions.create(acme, { graphId: 'echo' }));
    // Spread over all three.
    const owners = infos.map((s) => s.owner);
    for (const id of ['p0', 'p1', 'p2']) expect(owners.filter((o) => o === id).length).toBeGreaterThanOrEqual(1);

    // Every operation from a member that does not own the session reaches the owner.
    const session = infos.find((s) => s.owner === 'p2')!;
    expect(session).toBeDefined();
    const sent = await a.sessions.send(acme, session.id, { content: 'hello', messageId: 'm-1' });
    await a.sessions.settled(acme, session.id);
    const transcript = await b.sessions.transcript(acme, session.id);
    expect(transcript.map((m) => m.content)).toEqual(['hello', 'echo: hello']);
    expect(transcript[0]).toMatchObject({ id: 'm-1', turnId: sent.turnId });
    // A resend of the same id through yet another member is not a second message.
    await b.sessions.send(acme, session.id, { content: 'hello', messageId: 'm-1' });
    await c.sessions.settled(acme, session.id);
    expect(await c.sessions.transcript(acme, session.id)).toHaveLength(2);
    expect(await a.sessions.get(acme, session.id)).toMatchObject({ owner: 'p2', turns: 1 });
    await expect(a.sessions.send({ tenant: 'globex' }, session.id, { content: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it("emits a session's events once, from its owner, and relays them to a watcher elsewhere", async () => {
    const [a, b] = await cluster(2);
    const room: Array<[string, ServerEventName]> = [];
    for (const m of [a, b]) m.emitWith((_tenant, sessionId, event) => room.push([m.node.id, event]));
    const info = await a.sessions.create(acme, { graphId: 'echo' });
    const owner = info.owner === 'p0' ? a : b;
    const other = owner === a ? b : a;
    const watched: string[] = [];
    const stop = await other.sessions.subscribe(acme, info.id, (event) => watched.push(event));
    await other.sessions.send(acme, info.id, { content: 'hi' });
    await other.sessions.settled(acme, info.id);
    await waitFor(() => expect(watched).toContain('turn_end'));
    expect(room.every(([emitter]) => emitter === owner.node.id)).toBe(true);
    expect(room.filter(([, e]) => e === 'turn_end')).toHaveLength(1);
    expect(watched.filter((e) => e === 'message')).toHaveLength(2);
    stop();
  });

  it('takes over the sessions of a member that died, resumes and fences its late writes', async () => {
    const [a, b] = await cluster(2, { leaseTtlMs: 400, loadTtlMs: 400 });
    const info = await a.sessions.create(acme, { graphId: 'echo' });
    const [owner, survivor] = info.owner === 'p0' ? [a, b] : [b, a];
    await owner.sessions.send(acme, info.id, { content: 'one' });
    await owner.sessions.settled(acme, info.id);
    const staleToken = owner.node.leases.token(info.id)!;
    // Dies without leaving: no renewal, no load published.
    await owner.node.close();
    await waitFor(() => expect(survivor.node.leases.token(info.id)).toBeGreaterThan(staleToken));
    await survivor.sessions.send(acme, info.id, { content: 'two' });
    await survivor.sessions.settled(acme, info.id);
    const record = (await survivor.store.getSession('acme', info.id))!;
    expect(record.transcript.map((m) => m.content)).toEqual(['one', 'echo: one', 'two', 'echo: two']);
    await expect(survivor.store.putSession(recordWrite(record, { fence: staleToken }))).rejects.toMatchObject({
      code: 'stale_fence',
    });
    expect((await survivor.node.placement.list()).map((p) => p.id)).toEqual([survivor.node.id]);
  });

  it('drops its copy of a session whose lease it lost, and routes to the new owner', async () => {
    const [a, b] = await cluster(2, { leaseTtlMs: 600 });
    const info = await a.sessions.create(acme, { graphId: 'echo' });
    const [former, next] = info.owner === 'p0' ? [a, b] : [b, a];
    await former.sessions.send(acme, info.id, { content: 'one' });
    await former.sessions.settled(acme, info.id);
    expect(former.sessions.stats().liveSessions).toBe(1);
    await redis.del(former.node.keys.lease(info.id)); // as after a pause past the TTL
    await next.sessions.send(acme, info.id, { content: 'two' }); // nobody owns it: next takes it
    await next.sessions.settled(acme, info.id);
    await waitFor(() => expect(former.sessions.stats().liveSessions).toBe(0)); // renewal found it lost
    await former.sessions.send(acme, info.id, { content: 'three' });
    await former.sessions.settled(acme, info.id);
    expect((await former.sessions.transcript(acme, info.id)).map((m) => m.content)).toEqual([
      'one',
      'echo: one',
      'two',
      'echo: two',
      'three',
      'echo: three',
    ]);
    expect(await former.sessions.get(acme, info.id)).toMatchObject({ owner: next.node.id, turns: 3 });
  });

  it('moves idle sessions off a member that owns more than its share', async () => {
    const [a, b] = await cluster(2);
    await b.node.placement.stop(); // out of placement for now: every new session lands on a
    const infos = [];
    for (let i = 0; i < 10; i++) infos.push(await a.sessions.create(acme, { graphId: 'echo' }));
    expect(infos.every((s) => s.owner === 'p0')).toBe(true);
    await b.node.placement.start();
    expect(await a.sessions.rebalance()).toBe(5);
    await waitFor(() => expect(b.node.leases.sessions()).toHaveLength(5));
    expect(a.node.leases.sessions()).toHaveLength(5);
    expect(await b.sessions.rebalance()).toBe(0);
    // A moved session answers from wherever it is asked.
    const moved = b.node.leases.sessions()[0].sessionId;
    await a.sessions.send(acme, moved, { content: 'moved' });
    await a.sessions.settled(acme, moved);
    expect((await a.sessions.transcript(acme, moved)).map((m) => m.content)).toEqual(['moved', 'echo: moved']);
  });

  it('hands its sessions over on a graceful leave', async () => {
    const [a, b] = await cluster(2);
    const info = await a.sessions.create(acme, { graphId: 'echo' });
    const [leaving, staying] = info.owner === 'p0' ? [a, b] : [b, a];
    await leaving.sessions.shutdown();
    await waitFor(() => expect(staying.node.leases.token(info.id)).toBeDefined());
    await staying.sessions.send(acme, info.id, { content: 'after' });
    await staying.sessions.settled(acme, info.id);
    expect((await staying.sessions.transcript(acme, info.id)).map((m) => m.content)).toEqual(['after', 'echo: after']);
  });
});
