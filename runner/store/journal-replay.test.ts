import fc from 'fast-check';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeySnapshot } from '../runtime/types.ts';
import type { CrashStep } from './crash-after.fixture.ts';
import { RecordWrites } from './contract/record-writes.ts';
import { message, sessionRecord } from './contract/records.ts';
import { anEdit, edit } from './contract/snapshot-edits.ts';
import { LowdbStore } from './lowdb-store.ts';
import { recordWrite, type SessionWrite } from './session-write.ts';
import { crashAfter } from './test-support.ts';
import type { SessionRecord, SessionStore } from './types.ts';

const dirs: string[] = [];
const stores: LowdbStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-journal-'));
  dirs.push(dir);
  return dir;
}
function reopen(dir: string, errors: unknown[] = []): LowdbStore {
  const store = new LowdbStore(dir, { onError: (e) => errors.push(e) });
  stores.push(store);
  return store;
}

/** The writes a session writer makes, kept as crash steps instead of sent to a store. */
function collect(steps: CrashStep[]): RecordWrites {
  const collector: Pick<SessionStore, 'putSession'> = {
    putSession: async (write: SessionWrite) => void steps.push({ write }),
  };
  return new RecordWrites(collector as SessionStore);
}

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const snapshotOf = (agent: unknown) => ({ key: 'k', agents: { a: agent }, pending: [] }) as unknown as KeySnapshot;

/** The journal lines a crash left, parsed. */
async function journalLines(dir: string): Promise<Array<Record<string, unknown>>> {
  const journal = join(dir, 'journal');
  const texts = await Promise.all((await readdir(journal)).sort().map((f) => readFile(join(journal, f), 'utf8')));
  return texts.flatMap((t) => t.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the embedded journal and snapshot changes', () => {
  it("writes a turn's snapshot as its change, and replays a crash's journal to the same JSON", async () => {
    const dir = await tempDir();
    const steps: CrashStep[] = [];
    const writes = collect(steps);
    // An assistant's window of ten messages, about 2.3 KB, moving on by two each turn.
    const history: Array<{ role: string; content: string }> = [];
    const record: SessionRecord = { ...sessionRecord('acme'), snapshot: snapshotOf({ history: [] }) };
    for (let turn = 0; turn < 20; turn++) {
      history.push(
        { role: 'user', content: `question ${turn} `.padEnd(200, '.') },
        { role: 'assistant', content: `answer ${turn} `.padEnd(200, '.') },
      );
      if (history.length > 10) history.splice(0, 2);
      record.snapshot = snapshotOf({ history: history.slice(), replies: turn });
      record.transcript = [...record.transcript, message(record.info.id, `m${turn}`)];
      await writes.put(record);
      if (turn === 7) steps.push('flush'); // the rest builds on what a checkpoint wrote to the files
    }
    await crashAfter(dir, steps);
    const lines = (await journalLines(dir)).filter((l) => l.t === 'put');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines.slice(1)) {
      expect(line).not.toHaveProperty('snap');
      expect(JSON.stringify(line.chg).length).toBeLessThan(JSON.stringify(record.snapshot).length / 3);
    }
    const stored = await reopen(dir).getSession('acme', record.info.id);
    expect(stored?.snapshot).toEqual(json(record.snapshot));
    expect(stored?.transcript).toEqual(json(record.transcript));
  });

  it('replays generated snapshot edits, with checkpoints between them, to the JSON the writer held', async () => {
    const dir = await tempDir();
    const cases = fc.sample(
      fc.tuple(
        fc.jsonValue({ maxDepth: 3 }),
        fc.array(fc.tuple(anEdit, fc.boolean()), { minLength: 1, maxLength: 10 }),
      ),
      { numRuns: 25, seed: 14 },
    );
    const steps: CrashStep[] = [];
    const expected = new Map<string, unknown>();
    for (const [start, edits] of cases) {
      const record: SessionRecord = { ...sessionRecord('acme'), snapshot: snapshotOf(start) };
      const writes = collect(steps);
      await writes.put(record);
      let agent: unknown = start;
      for (const [e, checkpoint] of edits) {
        agent = edit(agent, e);
        record.snapshot = snapshotOf(agent);
        await writes.put(record);
        if (checkpoint) steps.push('flush');
      }
      expected.set(record.info.id, json(record.snapshot));
    }
    await crashAfter(dir, steps);
    expect((await journalLines(dir)).some((l) => 'chg' in l)).toBe(true);
    const errors: unknown[] = [];
    const store = reopen(dir, errors);
    for (const [id, snapshot] of expected) expect((await store.getSession('acme', id))?.snapshot).toEqual(snapshot);
    expect(errors).toEqual([]);
  });

  it('skips on replay a line the store refused, as it built on a revision that was not stored', async () => {
    const dir = await tempDir();
    const record: SessionRecord = {
      ...sessionRecord('acme'),
      snapshot: snapshotOf({ n: 1 }),
      acceptedMessageIds: ['m1'],
    };
    const first = recordWrite(record);
    const refused: SessionWrite = {
      ...recordWrite({ ...record, acceptedMessageIds: ['m1', 'm2'] }),
      snapshot: {
        kind: 'change',
        value: snapshotOf({ n: 2 }),
        change: { k: { agents: { k: { a: { k: { n: { '=': 2 } } } } } } },
      },
      accepted: { ids: ['m1', 'm2'], keep: 1 },
      base: 'a-write-that-failed',
    };
    await crashAfter(dir, [{ write: first }, { write: refused, refused: true }]);
    expect((await journalLines(dir)).map((l) => l.base)).toContain('a-write-that-failed');
    const errors: unknown[] = [];
    expect(await reopen(dir, errors).getSession('acme', record.info.id)).toEqual(json(record));
    expect(errors).toEqual([]);
  });
});
