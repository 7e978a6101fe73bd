import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../store/redis-keys.ts';
import { Leases } from './lease.ts';
import { Placement, pickLeastLoaded, type LoadSample, type ProcessLoad } from './placement.ts';
import { connectTestRedis, flushPrefix, testPrefix } from './test-support.ts';

let redis: Redis;
beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(() => redis.disconnect());

const load = (id: string, patch: Partial<ProcessLoad> = {}): ProcessLoad => ({
  id,
  pid: 1,
  liveSessions: 0,
  queueDepth: 0,
  eventLoopLagMs: 1,
  eventLoopUtilization: 0.1,
  ownedSessions: 0,
  at: 0,
  ...patch,
});

describe('pickLeastLoaded', () => {
  it('prefers fewer owned sessions and queued messages', () => {
    expect(
      pickLeastLoaded([
        load('a', { ownedSessions: 10 }),
        load('b', { ownedSessions: 3 }),
        load('c', { ownedSessions: 2, queueDepth: 5 }),
      ])?.id,
    ).toBe('b');
  });
  it('weighs event-loop lag, so of two busy processes the less lagging one is chosen', () => {
    expect(
      pickLeastLoaded([
        load('a', { ownedSessions: 100, eventLoopLagMs: 600 }),
        load('b', { ownedSessions: 110, eventLoopLagMs: 150 }),
      ])?.id,
    ).toBe('b');
  });

  it('keeps new sessions off a lagging process until the others have caught up with it', () => {
    // 500 ms of lag weighs like 40 sessions past the 100 ms noise floor.
    expect(pickLeastLoaded([load('lagging', { eventLoopLagMs: 500 }), load('b', { ownedSessions: 30 })])?.id).toBe('b');
    expect(pickLeastLoaded([load('lagging', { eventLoopLagMs: 500 }), load('b', { ownedSessions: 50 })])?.id).toBe(
      'lagging',
    );
    expect(pickLeastLoaded([load('noisy', { eventLoopLagMs: 90 }), load('b', { ownedSessions: 1 })])?.id).toBe('noisy');
    expect(pickLeastLoaded([])).toBeUndefined();
  });

  it('keeps new sessions off a process whose event loop is nearly full, even when every process lags', () => {
    // A CPU-starved machine: everyone lags alike, only the busy process runs code all the time.
    const starved = { eventLoopLagMs: 550 };
    const busy = load('busy', { ...starved, ownedSessions: 110, eventLoopUtilization: 0.95 });
    expect(
      pickLeastLoaded([
        busy,
        load('b', { ...starved, ownedSessions: 120 }),
        load('c', { ...starved, ownedSessions: 119 }),
      ])?.id,
    ).not.toBe('busy');
    // 75% busy counts double: avoided until the others own about twice as much.
    const half = load('half', { ownedSessions: 100, eventLoopUtilization: 0.75 });
    expect(pickLeastLoaded([half, load('b', { ownedSessions: 190 })])?.id).toBe('b');
    expect(pickLeastLoaded([half, load('b', { ownedSessions: 210 })])?.id).toBe('half');
    // Headroom: serving bursts of requests at 40% does not count against a process.
    expect(
      pickLeastLoaded([
        load('bursty', { ownedSessions: 10, eventLoopUtilization: 0.4 }),
        load('b', { ownedSessions: 12 }),
      ])?.id,
    ).toBe('bursty');
    // Nor does what every process shares: a burst of creations keeps them all at 60-70%.
    const burst = [
      load('a', { ownedSessions: 100, eventLoopUtilization: 0.7 }),
      load('b', { ownedSessions: 104, eventLoopUtilization: 0.6 }),
      load('c', { ownedSessions: 105, eventLoopUtilization: 0.62 }),
    ];
    expect(pickLeastLoaded(burst)?.id).toBe('a');
  });
});

describe('Placement on Redis', () => {
  const prefix = testPrefix('placement');
  afterAll(() => flushPrefix(redis, prefix));
  const keys = redisKeys(prefix);
  const sample =
    (s: Partial<LoadSample> = {}) =>
    () => ({ liveSessions: 0, queueDepth: 0, eventLoopLagMs: 1, eventLoopUtilization: 0.1, ...s });

  it('lists live processes with their owned sessions, spreads sessions evenly, and spots the dead', async () => {
    const processes = ['p1', 'p2', 'p3'].map((id) => ({
      placement: new Placement({ redis, keys, processId: id, url: `http://127.0.0.1/${id}`, sample: sample() }),
      leases: new Leases({ redis, keys, owner: id }),
    }));
    for (const p of processes) await p.placement.start();
    const byId = new Map(processes.map((p) => [p.placement['options'].processId, p]));
    // Creations as a runner does them: ask where, then the chosen process takes the lease.
    for (let i = 0; i < 300; i++) {
      const target = await processes[i % 3].placement.choose();
      await byId.get(target!.id)!.leases.acquire({ tenant: 't', sessionId: randomUUID() });
    }
    const listed = await processes[0].placement.list();
    expect(listed.map((l) => l.id).sort()).toEqual(['p1', 'p2', 'p3']);
    for (const l of listed) expect(Math.abs(l.ownedSessions - 100)).toBeLessThanOrEqual(20);
    expect(listed[0]).toMatchObject({ url: expect.stringContaining('http://'), pid: process.pid });

    await processes[2].placement.stop(); // graceful leave: gone at once
    expect((await processes[0].placement.list()).map((l) => l.id).sort()).toEqual(['p1', 'p2']);
    for (const p of processes) await p.placement.stop();
  });

  it('spots a process that stopped publishing without leaving, and forgets it', async () => {
    const k = redisKeys(`${prefix}dead:`);
    const alive = new Placement({ redis, keys: k, processId: 'alive', sample: sample(), ttlMs: 5000 });
    const crashed = new Placement({ redis, keys: k, processId: 'crashed', sample: sample(), ttlMs: 100 });
    await alive.publish();
    await crashed.publish(); // and never again, as after kill -9
    await new Leases({ redis, keys: k, owner: 'crashed' }).acquire({ tenant: 't', sessionId: randomUUID() });
    const deadline = Date.now() + 3000;
    while (!(await alive.dead()).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await alive.dead()).toEqual(['crashed']);
    expect((await alive.list()).map((l) => l.id)).toEqual(['alive']);
    await alive.forget('crashed');
    expect(await alive.dead()).toEqual([]);
    expect(await redis.exists(k.owned('crashed'))).toBe(0);
  });

  it('sends new sessions away from a process that publishes a busy event loop', async () => {
    const busyPrefix = redisKeys(`${prefix}busy:`);
    const busy = new Placement({ redis, keys: busyPrefix, processId: 'busy', sample: sample({ eventLoopLagMs: 400 }) });
    const calm = new Placement({ redis, keys: busyPrefix, processId: 'calm', sample: sample() });
    await busy.publish();
    await calm.publish();
    const calmLeases = new Leases({ redis, keys: busyPrefix, owner: 'calm' });
    for (let i = 0; i < 20; i++) {
      expect((await busy.choose())?.id).toBe('calm');
      await calmLeases.acquire({ tenant: 't', sessionId: randomUUID() });
    }
  });
});
