import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../store/redis-keys.ts';
import { Inbox, type InboxEntry } from './inbox.ts';
import { Leases } from './lease.ts';
import { connectTestRedis, flushPrefix, testPrefix } from './test-support.ts';

let redis: Redis;
let prefix: string;
beforeAll(async () => {
  redis = await connectTestRedis();
  prefix = testPrefix('inbox');
});
afterAll(async () => {
  await flushPrefix(redis, prefix);
  redis.disconnect();
});

const keys = () => redisKeys(prefix);
const waitFor = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const pendingCount = async (stream: string) => ((await redis.xpending(stream, 'owners')) as [number])[0];

describe('Inbox', () => {
  it('delivers to the lease owner, in order per session, and acknowledges after the handler', async () => {
    const sessionId = randomUUID();
    await new Leases({ redis, keys: keys(), owner: 'owner1' }).acquire({ tenant: 't', sessionId });
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const owner = new Inbox({
      redis,
      keys: keys(),
      processId: 'owner1',
      handle: async (e) => {
        if (e.body.n === 0) await gate; // the first turn is slow: the second must still wait for it
        seen.push(String(e.body.n));
      },
    });
    await owner.start();
    const sender = new Inbox({ redis, keys: keys(), processId: 'sender1', handle: async () => undefined });
    for (let n = 0; n < 3; n++)
      expect(await sender.deliver({ sessionId, kind: 'send', body: { n } })).toEqual({
        delivered: true,
        owner: 'owner1',
      });
    await waitFor(async () => (await pendingCount(owner.stream)) === 3);
    expect(seen).toEqual([]); // not acknowledged while the first is unfinished
    release();
    await waitFor(() => seen.length === 3);
    await owner.idle();
    expect(seen).toEqual(['0', '1', '2']);
    expect(await pendingCount(owner.stream)).toBe(0);
    expect(await redis.xlen(owner.stream)).toBe(0);
    await owner.stop();
  });

  it('moves on to the next entry once one is accepted, acknowledging it only when its turn is done', async () => {
    const sessionId = randomUUID();
    await new Leases({ redis, keys: keys(), owner: 'owner4' }).acquire({ tenant: 't', sessionId });
    let finishTurn!: () => void;
    const turn = new Promise<void>((r) => (finishTurn = r));
    const accepted: number[] = [];
    const owner = new Inbox({
      redis,
      keys: keys(),
      processId: 'owner4',
      handle: async (e) => (accepted.push(Number(e.body.n)), { ackWhen: turn }),
    });
    await owner.start();
    await owner.post('owner4', { sessionId, kind: 'send', body: { n: 1 } });
    await owner.post('owner4', { sessionId, kind: 'send', body: { n: 2 } });
    await waitFor(() => accepted.length === 2);
    expect(await pendingCount(owner.stream)).toBe(2);
    finishTurn();
    await owner.idle();
    expect(await pendingCount(owner.stream)).toBe(0);
    await owner.stop();
  });

  it('reports an unowned session instead of losing the message', async () => {
    const sender = new Inbox({ redis, keys: keys(), processId: 'sender2', handle: async () => undefined });
    expect(await sender.deliver({ sessionId: randomUUID(), kind: 'send', body: {} })).toEqual({ delivered: false });
  });

  it("lets a survivor claim a dead owner's pending and unread entries", async () => {
    const sessionId = randomUUID();
    await new Leases({ redis, keys: keys(), owner: 'doomed' }).acquire({ tenant: 't', sessionId });
    const started: string[] = [];
    let unblock!: () => void;
    const hang = new Promise<void>((r) => (unblock = r));
    const doomed = new Inbox({
      redis,
      keys: keys(),
      processId: 'doomed',
      handle: async (e) => {
        started.push(String(e.body.n));
        await hang;
      },
    });
    await doomed.start();
    const sender = new Inbox({ redis, keys: keys(), processId: 'sender3', handle: async () => undefined });
    await sender.deliver({ sessionId, kind: 'send', body: { n: 1 } });
    await waitFor(() => started.length === 1);
    await sender.deliver({ sessionId, kind: 'send', body: { n: 2 } }); // read and queued behind the hung one
    await waitFor(async () => (await pendingCount(doomed.stream)) === 2);

    const handled: InboxEntry[] = [];
    const survivor = new Inbox({
      redis,
      keys: keys(),
      processId: 'survivor',
      handle: async (e) => void handled.push(e),
    });
    expect(await survivor.drain('doomed')).toBe(2);
    expect(handled.map((e) => e.body.n)).toEqual([1, 2]);
    expect(handled.every((e) => e.sessionId === sessionId && e.kind === 'send')).toBe(true);
    expect(await pendingCount(doomed.stream)).toBe(0);

    unblock(); // the "dead" owner wakes up late: its acknowledgements find nothing to do
    await doomed.stop();
    expect(await redis.xlen(doomed.stream)).toBe(0);
  });
});
