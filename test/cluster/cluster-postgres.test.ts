import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../schemas/protocol.ts';
import { createTestSchema, type TestSchema } from '../../runner/store/postgres/test-support.ts';
import { eventually } from '../helpers/eventually.ts';
import { startOwnRedis, type OwnRedis } from '../helpers/own-redis.ts';
import { api } from '../integration/helpers.ts';
import {
  clusterOf,
  createSession,
  expectTurnsComplete,
  transcript,
  startCluster,
  type ClusterFixture,
  type Member,
} from './helpers/cluster-fixture.ts';
import { failoverCases } from './helpers/failover-cases.ts';

/**
 * Three `switchboard serve` processes on Postgres + Redis: the data in a schema of its own of
 * the local PostgreSQL, the coordination in a redis-server of the suite's own (flushed and
 * restarted here; the shared one never is). The failover cases of the Redis suite run here too.
 */

let redis: OwnRedis;
let schema: TestSchema;
let fixture: ClusterFixture;
const PREFIX = 'sb:';

beforeAll(async () => {
  redis = await startOwnRedis();
  schema = await createTestSchema('cluster_pg');
  fixture = await startCluster(
    {
      name: 'postgres+redis',
      redisUrl: redis.url,
      env: { REDIS_PREFIX: PREFIX, DATABASE_URL: `${schema.url}?search_path=${schema.schema}` },
    },
    3,
  );
});

afterAll(async () => {
  await fixture?.close();
  await redis?.stop();
  await schema?.drop();
});

/** Who holds each lease now, and with which token, straight from Redis. */
async function leases(): Promise<Map<string, { owner: string; token: number }>> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await client.keys(`${PREFIX}lease:*`);
    const values = keys.length ? await client.mget(...keys) : [];
    return new Map(
      keys.map((k, i) => [
        k.slice(`${PREFIX}lease:`.length),
        { owner: values[i]!.split(' ')[0]!, token: Number(values[i]!.split(' ')[1]) },
      ]),
    );
  } finally {
    client.disconnect();
  }
}

/**
 * A client that sends to one session until stopped, each message again (same id) until it is
 * acknowledged (202): a Redis outage makes sends fail for a moment, never lose one.
 */
function driver(via: () => Member, sessionId: string) {
  const acknowledged: string[] = [];
  let refused = 0;
  let stop = false;
  const done = (async () => {
    for (let n = 0; !stop; n++) {
      const content = `${sessionId.slice(0, 4)}-${n}`;
      const messageId = randomUUID();
      for (;;) {
        const res = await api(via().url, 'POST', `/api/sessions/${sessionId}/messages`, {
          body: { content, messageId },
        }).catch(() => ({ status: 0 }));
        if (res.status === 202) break;
        refused += 1;
        await new Promise((r) => setTimeout(r, 100));
      }
      acknowledged.push(content);
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  return { acknowledged, refused: () => refused, stop: () => ((stop = true), done) };
}

describe('cluster mode, three runner processes on Postgres + Redis', () => {
  failoverCases(() => fixture);

  it('loses no session, acknowledged message or fence when Redis is flushed, then restarted, mid-run', async () => {
    const { alive, gate } = fixture;
    const live = alive();
    const echo: SessionInfo[] = [];
    for (let i = 0; i < 6; i++) echo.push(await createSession(live[i % live.length], 'echo'));
    const slow = [await createSession(live[0], 'slow'), await createSession(live[1], 'slow')];
    const every = [...echo, ...slow];
    // Mid-turn at the flush: two sessions wait inside the model call.
    gate.hold = true;
    const before = gate.received;
    for (const s of slow)
      expect(
        (
          await api(live[0].url, 'POST', `/api/sessions/${s.id}/messages`, {
            body: { content: 'held', messageId: `held-${s.id}` },
          })
        ).status,
      ).toBe(202);
    await gate.waitForRequests(before + slow.length);
    const drivers = echo.map((s, i) => driver(() => live[i % live.length], s.id));
    await eventually(
      async () => drivers.map((d) => d.acknowledged.length),
      (n) => n.every((x) => x >= 3),
      'every client to get messages through',
    );
    const fencesBefore = new Map(
      (await schema.sql<{ session_id: string; fence: string }[]>`SELECT session_id, fence FROM session_fences`).map(
        (r) => [r.session_id, Number(r.fence)],
      ),
    );
    const tokensBefore = await leases();
    expect([...tokensBefore.keys()]).toEqual(expect.arrayContaining(every.map((s) => s.id)));

    await redis.flush();
    await eventually(
      leases,
      (held) => every.every((s) => held.has(s.id)),
      'every session to be owned again after the flush',
    );
    gate.hold = false;
    gate.releaseAll();
    await redis.restart(2500); // longer than a lease: every owner stops writing meanwhile
    await eventually(
      leases,
      (held) => every.every((s) => held.has(s.id)),
      'every session to be owned again after the restart',
      30_000,
    );
    await eventually(
      async () => drivers.map((d) => d.acknowledged.length),
      (n) => n.every((x) => x >= 8),
      'every client to get messages through after the restart',
      30_000,
    );
    const sent = await Promise.all(drivers.map((d) => d.stop().then(() => d.acknowledged)));

    // Ownership is rebuilt: one live owner per session, every token above any fence or token from before.
    const members = (await clusterOf(live[0])).map((p) => p.id);
    expect(members.sort()).toEqual(live.map((m) => m.id).sort());
    const held = await leases();
    for (const s of every) {
      expect(members).toContain(held.get(s.id)!.owner);
      expect(held.get(s.id)!.token).toBeGreaterThan(
        Math.max(fencesBefore.get(s.id) ?? 0, tokensBefore.get(s.id)!.token),
      );
    }
    // Every acknowledged message is in its session once, with its answer; the held turns ran once.
    for (const [i, s] of echo.entries()) {
      const done = await eventually(
        () => api(live[0].url, 'GET', `/api/sessions/${s.id}`).then((r) => r.json as SessionInfo),
        (info) => info.state === 'idle' && info.turns === sent[i]!.length,
        `session ${s.id} to finish its ${sent[i]!.length} turns`,
      );
      expect(done.turns).toBe(sent[i]!.length);
      expectTurnsComplete(await transcript(live[0], s.id), sent[i]!, (c) => `echo: ${c}`);
    }
    for (const s of slow) {
      await eventually(
        () => api(live[1].url, 'GET', `/api/sessions/${s.id}`).then((r) => r.json as SessionInfo),
        (info) => info.state === 'idle' && info.turns === 1,
        `held session ${s.id} to finish`,
      );
      expectTurnsComplete(await transcript(live[1], s.id), ['held'], (c) => `done: ${c}`);
    }
  });
});
