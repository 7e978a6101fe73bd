import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStoreContracts } from '../contract/index.ts';
import { RecordWrites } from '../contract/record-writes.ts';
import { message, sessionRecord } from '../contract/records.ts';
import { StaleFenceError } from '../errors.ts';
import { recordWrite } from '../session-write.ts';
import type { SessionRecord } from '../types.ts';
import type { PostgresStore } from './postgres-store.ts';
import { createTestSchema, tableContents, type TestSchema } from './test-support.ts';

let db: TestSchema;
let store: PostgresStore;

beforeAll(async () => {
  db = await createTestSchema('store');
  store = await db.open();
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

describeStoreContracts(
  'postgres',
  () => db.open(),
  () => tableContents(db.sql),
);

const snapshotOf = (key: string, history: unknown[]): NonNullable<SessionRecord['snapshot']> => ({
  key,
  agents: { a: { history } },
  pending: [],
});

describe('PostgresStore specifics', () => {
  it('writes a turn as its new transcript rows and one session row, the snapshot as a change', async () => {
    const record = sessionRecord('t-turn');
    const id = record.info.id;
    const writes = new RecordWrites(store);
    let snapshot = snapshotOf(id, [{ role: 'system', content: 'x'.repeat(5000) }]);
    const transcript = [message(id, 'q0')];
    await writes.put({ ...record, transcript, snapshot });
    const firstRow = () =>
      db.sql<{ xmin: string }[]>`SELECT xmin::text FROM transcript_entries WHERE session_id = ${id} AND seq = 0`;
    const [written] = await firstRow();
    const turns = 40; // more than the writer sends as changes before a whole snapshot
    for (let turn = 1; turn <= turns; turn++) {
      transcript.push(message(id, `q${turn}`), message(id, `a${turn}`));
      snapshot = snapshotOf(id, [
        ...(snapshot.agents.a as { history: unknown[] }).history,
        { role: 'user', content: `q${turn}` },
      ]);
      await writes.put({ ...record, transcript, snapshot });
    }
    const stored = await store.getSession('t-turn', id);
    expect(stored?.transcript.map((m) => m.content)).toEqual(transcript.map((m) => m.content));
    expect(stored?.snapshot).toEqual(snapshot);
    // Changes were stored as rows, and a whole snapshot since cleared the older ones.
    const [{ changes }] = await db.sql<
      { changes: string }[]
    >`SELECT count(*) AS changes FROM snapshot_changes WHERE session_id = ${id}`;
    expect(Number(changes)).toBeGreaterThan(0);
    expect(Number(changes)).toBeLessThan(turns);
    const [{ rows }] = await db.sql<
      { rows: string }[]
    >`SELECT count(*) AS rows FROM transcript_entries WHERE session_id = ${id}`;
    expect(Number(rows)).toBe(transcript.length);
    // No turn rewrote what an earlier one stored: the first entry is still the row the first write made.
    expect(await firstRow()).toEqual([written]);
  });

  it('a second writer that comes between makes the first send everything again, with nothing lost', async () => {
    const other = await db.open();
    try {
      const record = sessionRecord('t-two');
      const id = record.info.id;
      const first = new RecordWrites(store);
      await first.put({ ...record, transcript: [message(id, 'a')] });
      await new RecordWrites(other).put({ ...record, transcript: [message(id, 'a'), message(id, 'b')] });
      const mine = { ...record, transcript: [message(id, 'a'), message(id, 'c')] };
      await expect(first.put(mine)).rejects.toMatchObject({ code: 'store_conflict' });
      await first.put(mine);
      expect((await store.getSession('t-two', id))?.transcript.map((m) => m.content)).toEqual(['a', 'c']);
    } finally {
      await other.close();
    }
  });

  it('refuses a stale fence in the database, whichever process writes, and keeps the highest', async () => {
    const other = await db.open();
    try {
      const record = sessionRecord('t-fence');
      await store.putSession(recordWrite(record, { fence: 5 }));
      await expect(
        other.putSession(recordWrite({ ...record, info: { ...record.info, turns: 9 } }, { fence: 4 })),
      ).rejects.toBeInstanceOf(StaleFenceError);
      const writes = Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? store : other)
          .putSession(recordWrite({ ...record, info: { ...record.info, turns: 6 + i } }, { fence: 6 + i }))
          .catch(() => 'stale'),
      );
      await Promise.all(writes);
      expect((await store.getSession('t-fence', record.info.id))?.info.turns).toBe(25);
      expect(await store.fenceOf(record.info.id)).toBe(25);
      expect(await store.fenceOf(randomUUID())).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('issues fence tokens above every one before, and the old owner is refused at once', async () => {
    const record = sessionRecord('t-issue');
    const id = record.info.id;
    const first = await store.issueFence(id);
    await store.putSession(recordWrite(record, { fence: first }));
    await store.putSession(recordWrite(record, { fence: 9 })); // a write may carry a higher one
    const next = await store.issueFence(id); // the lease moved to another process
    expect(next).toBe(10);
    await expect(
      store.putSession(recordWrite({ ...record, info: { ...record.info, turns: 1 } }, { fence: 9 })),
    ).rejects.toBeInstanceOf(StaleFenceError);
    await store.putSession(recordWrite({ ...record, info: { ...record.info, turns: 2 } }, { fence: next }));
    expect((await store.getSession('t-issue', id))?.info.turns).toBe(2);
    expect(
      await Promise.all([store.issueFence(id), store.issueFence(id), store.issueFence(id)]).then((t) =>
        t.sort((a, b) => a - b),
      ),
    ).toEqual([11, 12, 13]);
  });

  it("erases a user's memory with the user", async () => {
    await store.setMemory('t-erase', 'u:1', 'k', 'v');
    await store.eraseUser('t-erase', 'u:1');
    expect(await store.getMemory('t-erase', 'u:1')).toEqual({});
  });

  it('stores what PostgreSQL cannot hold (NUL, half a surrogate pair) as visible stand-ins, and every other text as it is', async () => {
    const record = sessionRecord('t-nul');
    const id = record.info.id;
    const odd = 'a\u0000b \ud83d end'; // NUL, then the first half of an emoji cut off
    const literal = String.raw`a backslash-u: \u0000 and \ud83d stay text` + ' 😀';
    await store.putSession(
      recordWrite({
        ...record,
        transcript: [message(id, odd), message(id, literal)],
        snapshot: { key: id, agents: { a: { last: odd } }, pending: [] },
      }),
    );
    const stored = await store.getSession('t-nul', id);
    expect(stored?.transcript.map((m) => m.content)).toEqual(['a\u2400b \ufffd end', literal]);
    expect(stored?.snapshot?.agents).toEqual({ a: { last: 'a\u2400b \ufffd end' } });
    await store.setMemory('t-nul', 'ann', 'k\u0000', 'v\u0000');
    expect(await store.getMemory('t-nul', 'ann')).toEqual({ 'k\u2400': 'v\u2400' });
  });

  it('refuses ids the other stores refuse, naming the field', async () => {
    await expect(store.getSession('a/b', randomUUID())).rejects.toMatchObject({
      code: 'invalid',
      details: { field: 'tenant' },
    });
    await expect(store.putSession(recordWrite(sessionRecord('t', { id: '../x' })))).rejects.toMatchObject({
      code: 'invalid',
      details: { field: 'session' },
    });
    await expect(
      store.putGraph({ tenant: 't', id: 'g', version: 0, draft: false, updatedAt: 0, graph: {} as never }),
    ).rejects.toMatchObject({ code: 'invalid', details: { field: 'version' } });
  });

  it('deletes a session with its transcript rows and fence', async () => {
    const record = sessionRecord('t-del');
    await store.putSession(recordWrite({ ...record, transcript: [message(record.info.id)] }, { fence: 3 }));
    await store.deleteSession('t-del', record.info.id);
    const [{ n }] = await db.sql<
      { n: string }[]
    >`SELECT (SELECT count(*) FROM transcript_entries WHERE session_id = ${record.info.id}) + (SELECT count(*) FROM session_fences WHERE session_id = ${record.info.id}) AS n`;
    expect(Number(n)).toBe(0);
  });
});
