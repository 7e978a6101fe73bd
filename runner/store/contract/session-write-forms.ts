import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeySnapshot } from '../../runtime/types.ts';
import { recordWrite, WRITE_OVERLAP, type SessionWrite } from '../session-write.ts';
import type { SessionRecord, SessionStore } from '../types.ts';
import { message, sessionRecord } from './records.ts';
import { RecordWrites } from './record-writes.ts';
import { anEdit, edit } from './snapshot-edits.ts';
import { withSubject, type MakeSubject } from './subject.ts';

/** What the store holds and reads back: JSON. */
const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const snapshotOf = (agent: unknown) => ({ key: 'k', agents: { a: agent }, pending: [] }) as unknown as KeySnapshot;

/** The forms of a SessionWrite (session-write.ts) every SessionStore applies, and the base revision it checks. */
export function describeSessionWriteForms(name: string, make: MakeSubject<SessionStore>): void {
  describe(`SessionStore contract, write forms: ${name}`, () => {
    withSubject(make, (current) => {
      it('applies snapshot changes, step after step, to the same JSON the writer holds', async () => {
        const { store, tenant } = current();
        await fc.assert(
          fc.asyncProperty(
            fc.jsonValue({ maxDepth: 3 }),
            fc.array(anEdit, { minLength: 1, maxLength: 8 }),
            async (start, edits) => {
              const record: SessionRecord = { ...sessionRecord(tenant), snapshot: snapshotOf(start) };
              const writes = new RecordWrites(store);
              await writes.put(record);
              let agent: unknown = start;
              for (const e of edits) {
                agent = edit(agent, e);
                record.snapshot = { ...record.snapshot!, agents: { a: agent } } as unknown as KeySnapshot;
                await writes.put(record);
                // As JSON on both sides: a store may hand back the writer's own value (-0 is 0 in JSON).
                expect(json((await store.getSession(tenant, record.info.id))?.snapshot)).toEqual(json(record.snapshot));
              }
            },
          ),
          { numRuns: 12 },
        );
      });

      it('keeps the accepted ids a write keeps, appends the ones it adds, and takes a list whole', async () => {
        const { store, tenant } = current();
        const record = { ...sessionRecord(tenant), acceptedMessageIds: ['m1', 'm2', 'm3'] };
        const writes = new RecordWrites(store);
        await writes.put(record);
        const ids = async () => (await store.getSession(tenant, record.info.id))?.acceptedMessageIds;
        // The window moves on: the oldest go, new ones come.
        record.acceptedMessageIds.shift();
        record.acceptedMessageIds.push('m4', 'm5');
        await writes.put(record);
        expect(await ids()).toEqual(['m2', 'm3', 'm4', 'm5']);
        // Only dropped; then unchanged.
        record.acceptedMessageIds.splice(0, 2);
        await writes.put(record);
        await writes.put(record);
        expect(await ids()).toEqual(['m4', 'm5']);
        // One forgotten in the middle: written whole.
        record.acceptedMessageIds.push('m6', 'm7');
        record.acceptedMessageIds.splice(1, 1);
        await writes.put(record);
        expect(await ids()).toEqual(['m4', 'm6', 'm7']);
        record.acceptedMessageIds.length = 0;
        await writes.put(record);
        expect(await ids()).toEqual([]);
      });

      it('writes a transcript from an index, carrying only the end of it, and brings it up from the overlap', async () => {
        const { store, tenant } = current();
        const record = sessionRecord(tenant);
        const id = record.info.id;
        const all = Array.from({ length: 3 * WRITE_OVERLAP }, (_, i) => message(id, `m${i}`));
        await store.putSession(recordWrite({ ...record, transcript: all.slice(0, 2 * WRITE_OVERLAP) }));
        // Entries [WRITE_OVERLAP, 3 * WRITE_OVERLAP) carried, the first WRITE_OVERLAP of them stored already.
        const from = 2 * WRITE_OVERLAP;
        const write: SessionWrite = {
          ...recordWrite(record),
          transcript: {
            kind: 'from',
            from,
            offset: WRITE_OVERLAP,
            entries: all.slice(WRITE_OVERLAP),
            length: all.length,
          },
        };
        await store.putSession(write);
        expect((await store.getSession(tenant, id))?.transcript.map((m) => m.content)).toEqual(
          all.map((m) => m.content),
        );
        // `length` bounds what is read: entries the writer appended meanwhile are not written.
        const entries = [...all, message(id, 'later')];
        await store.putSession({
          ...recordWrite(record),
          transcript: { kind: 'from', from: all.length, offset: 0, entries, length: all.length },
        });
        expect((await store.getSession(tenant, id))?.transcript).toHaveLength(all.length);
        // From past the length: refused, nothing changes.
        await expect(
          store.putSession({
            ...recordWrite(record),
            transcript: { kind: 'from', from: all.length + 1, offset: 0, entries, length: all.length },
          }),
        ).rejects.toMatchObject({ code: 'invalid' });
        expect((await store.getSession(tenant, id))?.transcript).toHaveLength(all.length);
      });

      it('refuses a write whose base is not the stored revision, and changes nothing', async () => {
        const { store, tenant } = current();
        const record = { ...sessionRecord(tenant), acceptedMessageIds: ['m1'], snapshot: snapshotOf({ n: 1 }) };
        const first = recordWrite(record);
        await store.putSession(first);
        const changed = {
          ...record,
          info: { ...record.info, turns: 5 },
          acceptedMessageIds: ['m1', 'm2'],
          snapshot: snapshotOf({ n: 2 }),
        };
        const next = (base: string | undefined): SessionWrite => ({
          ...recordWrite(changed),
          snapshot: {
            kind: 'change',
            value: changed.snapshot,
            change: { k: { agents: { k: { a: { k: { n: { '=': 2 } } } } } } },
          },
          accepted: { ids: changed.acceptedMessageIds, keep: 1 },
          base,
        });
        await expect(store.putSession(next('not-a-revision'))).rejects.toMatchObject({ code: 'store_conflict' });
        expect(await store.getSession(tenant, record.info.id)).toEqual(json(record));
        // A session that is not stored has no revision to build on.
        await expect(
          store.putSession({ ...next(first.revision), info: { ...changed.info, id: randomUUID() } }),
        ).rejects.toMatchObject({ code: 'store_conflict' });
        await store.putSession(next(first.revision));
        expect(await store.getSession(tenant, record.info.id)).toEqual(json(changed));
      });

      it('checks the base of a write that follows a release against what is stored', async () => {
        const { store, tenant } = current();
        const record = { ...sessionRecord(tenant), snapshot: snapshotOf({ n: 1 }) };
        const id = record.info.id;
        const first = recordWrite(record);
        await store.putSession(first);
        store.release?.(tenant, id);
        const second = { ...recordWrite(record), base: first.revision };
        await store.putSession(second);
        // Where the store keeps sessions in memory until a checkpoint, the release comes after it too.
        await (store as Partial<{ flush(): Promise<void> }>).flush?.();
        store.release?.(tenant, id);
        await expect(store.putSession({ ...recordWrite(record), base: first.revision })).rejects.toMatchObject({
          code: 'store_conflict',
        });
        await store.putSession({ ...recordWrite(record), base: second.revision });
        expect(await store.getSession(tenant, id)).toEqual(json(record));
      });
    });
  });
}
