import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoundTrips } from '../cluster/round-trips.ts';
import { connectTestRedis, flushPrefix, testPrefix } from '../cluster/test-support.ts';
import { message, sessionRecord } from '../store/contract/records.ts';
import { RedisStore } from '../store/redis-store.ts';
import { recordWrite, type SessionWrite } from '../store/session-write.ts';
import type { SessionStore } from '../store/types.ts';
import { LiveSession } from './live-session.ts';
import { SessionWriter } from './session-writer.ts';

let redis: Redis;
let prefix: string;

beforeAll(async () => {
  redis = await connectTestRedis();
  prefix = testPrefix('session-writer');
});
afterAll(async () => {
  await flushPrefix(redis, prefix);
  redis.disconnect();
});

/** The store, with every write it was given kept in `writes`. */
function recording(store: SessionStore): { store: SessionStore; writes: SessionWrite[] } {
  const writes: SessionWrite[] = [];
  return {
    writes,
    store: {
      ...store,
      getSession: (t, id) => store.getSession(t, id),
      putSession: (w) => (writes.push(w), store.putSession(w)),
      coalesceMs: store.coalesceMs,
    } as SessionStore,
  };
}

describe('SessionWriter', () => {
  it("holds a write that can wait and sends it with the session's next one, or alone when none comes", async () => {
    const trips = new RoundTrips();
    const client = trips.watch(redis.duplicate());
    const store = new RedisStore({ redis: client, prefix });
    const writer = new SessionWriter({ sessions: store });
    const reader = new RedisStore({ redis, prefix }); // its reads are not counted
    const s = new LiveSession(sessionRecord('t-coalesce'));
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((content) => message(s.id, content));
    s.transcript.push(a!);
    await writer.persist(s);
    // A turn's end, then the next message before the end went out: one script carries both.
    const before = trips.total;
    s.transcript.push(b!);
    const end = writer.persist(s, true);
    s.transcript.push(c!);
    await Promise.all([end, writer.persist(s)]);
    expect(trips.total - before).toBe(1);
    expect((await reader.getSession('t-coalesce', s.id))?.transcript).toEqual([a, b, c]);
    // Nobody follows: it goes out alone.
    s.info.turns = 1;
    await writer.persist(s, true);
    expect(trips.total - before).toBe(2);
    expect((await reader.getSession('t-coalesce', s.id))?.info.turns).toBe(1);
    // A hand-over or a shutdown waits for the held write through `saving`.
    s.transcript.push(d!);
    void writer.persist(s, true);
    await s.saving;
    expect((await reader.getSession('t-coalesce', s.id))?.transcript).toEqual([a, b, c, d]);
    await store.close();
    client.disconnect();
  });

  it('builds each write on the one before it, sent or not, and sends everything after one fails', async () => {
    const redisStore = new RedisStore({ redis, prefix });
    const { store, writes } = recording(redisStore);
    const writer = new SessionWriter({ sessions: store });
    const s = new LiveSession(sessionRecord('t-chain'));
    s.transcript.push(message(s.id, 'a'));
    s.accept('m1');
    await writer.persist(s);
    expect(writes[0]).toMatchObject({
      base: undefined,
      transcript: { kind: 'from', from: 0, length: 1 },
      accepted: { ids: ['m1'], keep: 0 },
    });
    // Two writes in flight together: the second starts where the first ends.
    s.transcript.push(message(s.id, 'b'));
    s.accept('m2');
    const first = writer.persist(s);
    s.transcript.push(message(s.id, 'c'));
    await Promise.all([first, writer.persist(s)]);
    expect(writes[1]).toMatchObject({
      base: writes[0]!.revision,
      transcript: { from: 1, length: 2 },
      accepted: { ids: ['m1', 'm2'], keep: 1 },
    });
    expect(writes[2]).toMatchObject({
      base: writes[1]!.revision,
      transcript: { from: 2, length: 3 },
      accepted: { keep: 2 },
    });
    // Another writer came between: refused, and the next write builds on nothing.
    await redisStore.putSession(
      recordWrite({ ...(await redisStore.getSession('t-chain', s.id))!, info: { ...s.info, turns: 9 } }),
    );
    await expect(writer.persist(s)).rejects.toMatchObject({ code: 'store_conflict' });
    await writer.persist(s);
    expect(writes.at(-1)).toMatchObject({ base: undefined, accepted: { keep: 0 } });
    expect((await redisStore.getSession('t-chain', s.id))?.transcript.map((m) => m.content)).toEqual(['a', 'b', 'c']);
  });

  it('sends a new snapshot as its change from the last one written, and the same one as unchanged', async () => {
    const { store, writes } = recording(new RedisStore({ redis, prefix }));
    const writer = new SessionWriter({ sessions: store });
    const s = new LiveSession(sessionRecord('t-snap'));
    const history = [{ role: 'user', content: 'q1' }];
    s.snapshot = {
      key: s.id,
      agents: { a: { history: history.slice() } },
      pending: [],
    } as unknown as LiveSession['snapshot'];
    await writer.persist(s);
    await writer.persist(s);
    history.push({ role: 'assistant', content: 'a1' });
    s.snapshot = { ...s.snapshot!, agents: { a: { history: history.slice() } } } as unknown as LiveSession['snapshot'];
    await writer.persist(s);
    expect(writes.map((w) => w.snapshot.kind)).toEqual(['whole', 'unchanged', 'change']);
    expect(writes[2]!.snapshot).toMatchObject({
      change: { k: { agents: { k: { a: { k: { history: { a: 0, p: [{ role: 'assistant', content: 'a1' }] } } } } } } },
    });
    expect((await store.getSession('t-snap', s.id))?.snapshot).toEqual(s.snapshot);
  });
});
