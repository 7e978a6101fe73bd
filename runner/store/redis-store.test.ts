import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestRedis, flushPrefix, testPrefix } from '../cluster/test-support.ts';
import { StaleFenceError } from './errors.ts';
import { RedisStore } from './redis-store.ts';
import { describeStoreContracts } from './contract/index.ts';
import type { SessionRecord, StoredGraph } from './types.ts';
import { recordWrite } from './session-write.ts';
import { RecordWrites } from './contract/record-writes.ts';

let redis: Redis;
let prefix: string;
let store: RedisStore;

beforeAll(async () => {
  redis = await connectTestRedis();
  prefix = testPrefix('redis-store');
  store = new RedisStore({ redis, prefix });
});
afterAll(async () => {
  await flushPrefix(redis, prefix);
  redis.disconnect();
});

const graph = (tenant: string, id: string, version: number): StoredGraph => ({
  tenant,
  id,
  version,
  draft: false,
  updatedAt: version,
  graph: { id, version } as unknown as StoredGraph['graph'],
});

const session = (tenant: string, patch: Partial<SessionRecord['info']> = {}): SessionRecord => ({
  info: {
    id: randomUUID(),
    tenant,
    graphId: 'g',
    graphVersion: 1,
    state: 'idle',
    createdAt: Date.now(),
    lastActiveAt: Date.now(),
    turns: 0,
    usage: { promptTokens: 0, completionTokens: 0, cost: 0, estimated: false },
    ...patch,
  },
  transcript: [],
  acceptedMessageIds: [],
});

describe('RedisStore specifics', () => {
  it('keeps the latest graph version when an older one is written after it', async () => {
    await store.putGraph(graph('t-order', 'g', 2));
    await store.putGraph(graph('t-order', 'g', 1));
    expect((await store.getGraph('t-order', 'g'))?.version).toBe(2);
    expect(await store.listGraphVersions('t-order', 'g')).toEqual([1, 2]);
  });

  it('refuses ids that could break out of their key, naming the field', async () => {
    await expect(store.getSession('a:b', randomUUID())).rejects.toMatchObject({
      code: 'invalid',
      details: { field: 'tenant' },
    });
    await expect(store.putGraph(graph('t', 'x:y', 1))).rejects.toMatchObject({
      code: 'invalid',
      details: { field: 'graph' },
    });
    await expect(store.putGraph(graph('t', 'x', 0))).rejects.toMatchObject({
      code: 'invalid',
      details: { field: 'version' },
    });
  });

  it('rejects a write fenced below the highest fence, atomically under concurrency', async () => {
    const record = session('t-fence');
    await store.putSession(recordWrite(record, { fence: 5 }));
    await expect(store.putSession(recordWrite({ ...record, transcript: [] }, { fence: 4 }))).rejects.toBeInstanceOf(
      StaleFenceError,
    );
    // Racing writers: whatever order they land in, the stored record is the highest fence's.
    const writes = Array.from({ length: 20 }, (_, i) =>
      store
        .putSession(recordWrite({ ...record, info: { ...record.info, turns: 6 + i } }, { fence: 6 + i }))
        .catch(() => 'stale'),
    );
    await Promise.all(writes);
    expect((await store.getSession('t-fence', record.info.id))?.info.turns).toBe(25);
    expect(await redis.get(store.keys.fence(record.info.id))).toBe('25');
  });

  it('honours a fence bumped by a lease before the new owner wrote anything', async () => {
    const record = session('t-lease');
    await store.putSession(recordWrite(record, { fence: 1 }));
    await redis.incr(store.keys.fence(record.info.id)); // what a lease acquisition does
    await expect(store.putSession(recordWrite(record, { fence: 1 }))).rejects.toMatchObject({ code: 'stale_fence' });
    await store.putSession(recordWrite(record, { fence: 2 }));
  });

  it('deletes a session with its index entries and fence', async () => {
    const record = session('t-del');
    await store.putSession(recordWrite(record, { fence: 3 }));
    expect(await store.hasSession('t-del', record.info.id)).toBe(true);
    expect(await store.hasSession('t-other', record.info.id)).toBe(false);
    await store.deleteSession('t-del', record.info.id);
    expect(await store.getSession('t-del', record.info.id)).toBeUndefined();
    expect(await store.listSessions('t-del')).toEqual([]);
    expect(
      await redis.exists(
        store.keys.fence(record.info.id),
        store.keys.sessionActive('t-del'),
        store.keys.transcript('t-del', record.info.id),
      ),
    ).toBe(0);
  });

  it('sends a snapshot only when it is a new object, and only the accepted ids the store lacks', async () => {
    const record = {
      ...session('t-delta'),
      snapshot: { key: 'k', agents: { a: { n: 1 } }, pending: [] } as unknown as SessionRecord['snapshot'],
      acceptedMessageIds: ['m1', 'm2'],
    };
    const state = store.keys.sessionState('t-delta', record.info.id);
    const writes = new RecordWrites(store);
    await writes.put(record);
    // Changed behind the writer's back: a write with the same snapshot object leaves it alone.
    await redis.hset(state, 'snapshot', JSON.stringify({ key: 'k', agents: {}, pending: ['untouched'] }));
    record.acceptedMessageIds.push('m3');
    record.acceptedMessageIds.shift();
    await writes.put(record);
    expect((await store.getSession('t-delta', record.info.id))?.snapshot?.pending).toEqual(['untouched']);
    expect(await redis.lrange(store.keys.accepted('t-delta', record.info.id), 0, -1)).toEqual(['m2', 'm3']);
    await redis.hset(state, 'snapshot', JSON.stringify(record.snapshot));
    record.snapshot = { key: 'k', agents: { a: { n: 2 } }, pending: [] } as unknown as SessionRecord['snapshot'];
    record.acceptedMessageIds.splice(0, 1, 'm4'); // not a window that moved on: written whole
    await writes.put(record);
    const stored = await store.getSession('t-delta', record.info.id);
    expect(stored?.snapshot).toEqual(record.snapshot);
    expect(stored?.acceptedMessageIds).toEqual(['m4', 'm3']);
    // The new snapshot went as its change from the last one; the whole one stays as it was.
    expect(await redis.lrange(store.keys.snapshotChanges('t-delta', record.info.id), 0, -1)).toEqual([
      JSON.stringify({ k: { agents: { k: { a: { k: { n: { '=': 2 } } } } } } }),
    ]);
    expect(JSON.parse((await redis.hget(state, 'snapshot'))!)).toEqual({
      key: 'k',
      agents: { a: { n: 1 } },
      pending: [],
    });
    record.snapshot = undefined;
    record.acceptedMessageIds.length = 0;
    await writes.put(record);
    expect(await store.getSession('t-delta', record.info.id)).toEqual(record);
  });

  it('writes a snapshot as its changes, whole again after 32 of them, and reads back every step', async () => {
    type Message = { role: string; content: string };
    const history: Message[] = [];
    const snapshotOf = (turn: number) =>
      ({
        key: 'k',
        agents: { 'echo/k': { history: history.slice(), replies: turn } },
        pending: [],
      }) as unknown as SessionRecord['snapshot'];
    const record = { ...session('t-changes'), snapshot: snapshotOf(0) };
    const changes = store.keys.snapshotChanges('t-changes', record.info.id);
    const writes = new RecordWrites(store);
    await writes.put(record);
    const lengths: number[] = [];
    for (let turn = 1; turn <= 40; turn++) {
      // An assistant's window: the same message objects, two new ones at the end, the oldest dropped past 10.
      history.push({ role: 'user', content: `q${turn}` }, { role: 'assistant', content: `a${turn}` });
      if (history.length > 10) history.splice(0, history.length - 10);
      record.snapshot = snapshotOf(turn);
      await writes.put(record);
      lengths.push(await redis.llen(changes));
      expect((await store.getSession('t-changes', record.info.id))?.snapshot).toEqual(record.snapshot);
    }
    expect(lengths.slice(0, 33)).toEqual([...Array.from({ length: 32 }, (_, i) => i + 1), 0]);
    expect(lengths.at(-1)).toBe(7);
    // A change is the window's move, not the window.
    const last = JSON.parse((await redis.lindex(changes, -1))!);
    expect(last).toEqual({
      k: {
        agents: {
          k: {
            'echo/k': {
              k: {
                history: {
                  a: 2,
                  p: [
                    { role: 'user', content: 'q40' },
                    { role: 'assistant', content: 'a40' },
                  ],
                },
                replies: { '=': 40 },
              },
            },
          },
        },
      },
    });
  });

  it('names a session whose stored snapshot changes do not apply', async () => {
    const record = {
      ...session('t-corrupt'),
      snapshot: { key: 'k', agents: { a: { n: 1 } }, pending: [] } as unknown as SessionRecord['snapshot'],
    };
    await store.putSession(recordWrite(record));
    await redis.rpush(
      store.keys.snapshotChanges('t-corrupt', record.info.id),
      JSON.stringify({ k: { pending: { a: 1, p: [] } } }),
      JSON.stringify({ k: { key: { a: 1, p: [] } } }),
    );
    await expect(store.getSession('t-corrupt', record.info.id)).rejects.toMatchObject({
      code: 'corrupt_record',
      message: expect.stringContaining(record.info.id),
    });
  });

  it('refuses a write that builds on a revision another writer replaced, and sends the next one whole', async () => {
    const record = {
      ...session('t-rev'),
      acceptedMessageIds: ['m1'],
      snapshot: { key: 'k', agents: {}, pending: [] } as unknown as SessionRecord['snapshot'],
    };
    const writes = new RecordWrites(store);
    await writes.put(record);
    await store.putSession(
      recordWrite({ ...record, info: { ...record.info, turns: 7 }, acceptedMessageIds: ['x'], snapshot: undefined }),
    );
    record.acceptedMessageIds.push('m2');
    await expect(writes.put(record)).rejects.toMatchObject({ code: 'store_conflict' });
    await writes.put(record);
    expect(await store.getSession('t-rev', record.info.id)).toEqual(record);
  });

  it('reads a record an older version stored whole, snapshot and accepted ids inside, and writes it in parts', async () => {
    const record = {
      ...session('t-old'),
      acceptedMessageIds: ['m1'],
      snapshot: { key: 'k', agents: {}, pending: [] } as unknown as SessionRecord['snapshot'],
      inbox: [],
    };
    await redis.set(store.keys.session('t-old', record.info.id), JSON.stringify(record));
    expect(await store.getSession('t-old', record.info.id)).toEqual(record);
    const read = (await store.getSession('t-old', record.info.id))!;
    read.acceptedMessageIds.push('m2');
    await store.putSession(recordWrite(read));
    expect(JSON.parse((await redis.get(store.keys.session('t-old', record.info.id)))!)).not.toHaveProperty('info');
    expect(await store.getSession('t-old', record.info.id)).toEqual(read);
  });

  it('appends only the new transcript entries, and reads and upgrades a record stored whole by an older version', async () => {
    const record = session('t-append');
    const entry = (content: string) =>
      ({
        type: 'message',
        id: randomUUID(),
        sessionId: record.info.id,
        role: 'user',
        content,
        createdAt: 1,
      }) as unknown as SessionRecord['transcript'][number];
    const key = store.keys.transcript('t-append', record.info.id);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(entry);
    await store.putSession(recordWrite({ ...record, transcript: [a, b] }));
    await store.putSession(recordWrite({ ...record, transcript: [a, b, c] }, { from: 2 }));
    expect(await redis.llen(key)).toBe(3);
    expect(JSON.parse((await redis.get(store.keys.session('t-append', record.info.id)))!)).not.toHaveProperty(
      'transcript',
    );
    // An older version kept the transcript inside the record; an append to it rewrites it as a list.
    await redis.del(key);
    await redis.set(
      store.keys.session('t-append', record.info.id),
      JSON.stringify({ ...record, transcript: [a, b, c] }),
    );
    expect((await store.getSession('t-append', record.info.id))?.transcript).toEqual([a, b, c]);
    await store.putSession(recordWrite({ ...record, transcript: [a, b, c, d] }, { from: 3 }));
    expect((await store.getSession('t-append', record.info.id))?.transcript).toEqual([a, b, c, d]);
    expect(await redis.llen(key)).toBe(4);
  });
});

describeStoreContracts(
  'RedisStore',
  () => new RedisStore({ redis, prefix }),
  () => keysUnder(prefix),
);

/** Every key under `prefix` with its serialized value. */
async function keysUnder(prefix: string): Promise<Record<string, string>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const values = await Promise.all(keys.map((k) => redis.dumpBuffer(k)));
  return Object.fromEntries(keys.map((k, i) => [k, values[i]?.toString('hex') ?? 'gone']));
}
