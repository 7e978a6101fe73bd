import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KeySnapshot } from '../../runtime/types.ts';
import { recordWrite, type SessionWrite } from '../session-write.ts';
import type { SessionRecord, SessionStore } from '../types.ts';
import { message, sessionRecord } from './records.ts';
import { withSubject, type MakeSubject } from './subject.ts';

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const snapshotOf = (agent: unknown) => ({ key: 'k', agents: { a: agent }, pending: [] }) as unknown as KeySnapshot;
/** Where the store keeps sessions in memory until a checkpoint, the next load reads its files. */
const flush = (store: SessionStore) => (store as Partial<{ flush(): Promise<void> }>).flush?.();

/** A writer's read (SessionStore.loadSession): the record, and the revision its next write builds on. */
export function describeSessionLoad(name: string, make: MakeSubject<SessionStore>): void {
  describe(`SessionStore contract, loads: ${name}`, () => {
    withSubject(make, (current) => {
      it('loads a record with the revision a write then builds on, before and after a checkpoint', async () => {
        const { store, tenant } = current();
        const record: SessionRecord = { ...sessionRecord(tenant), snapshot: snapshotOf({ n: 1 }) };
        const id = record.info.id;
        expect(await store.loadSession(tenant, randomUUID())).toBeUndefined();
        const first = recordWrite(record);
        await store.putSession(first);
        const loaded = await store.loadSession(tenant, id);
        expect(loaded).toMatchObject({ revision: first.revision, snapshotChanges: 0 });
        expect(loaded!.record).toEqual(json(record));

        // What the writer sends first: the snapshot it read, unchanged.
        const turned = { ...record, info: { ...record.info, turns: 1 } };
        const second: SessionWrite = {
          ...recordWrite(turned),
          snapshot: { kind: 'unchanged', value: loaded!.record.snapshot },
          base: loaded!.revision,
        };
        await store.putSession(second);
        store.release?.(tenant, id);
        await flush(store);
        const reloaded = await store.loadSession(tenant, id);
        expect(reloaded).toMatchObject({ revision: second.revision, snapshotChanges: 0 });
        expect(reloaded!.record).toEqual(json(turned));

        const changed = { ...turned, snapshot: snapshotOf({ n: 2 }) };
        const third: SessionWrite = {
          ...recordWrite(changed),
          snapshot: {
            kind: 'change',
            value: changed.snapshot,
            change: { k: { agents: { k: { a: { k: { n: { '=': 2 } } } } } } },
          },
          base: reloaded!.revision,
        };
        await store.putSession(third);
        const last = await store.loadSession(tenant, id);
        expect(last?.revision).toBe(third.revision);
        // A store that keeps changes apart counts this one; one that applies them on write, none.
        expect([0, 1]).toContain(last?.snapshotChanges);
        expect(last!.record).toEqual(json(changed));
      });

      it('loads a long transcript whole or its end, with the entry it starts at', async () => {
        const { store, tenant } = current();
        const record = sessionRecord(tenant);
        const id = record.info.id;
        const all = Array.from({ length: 40 }, (_, i) => message(id, `m${i}`));
        const first = recordWrite({ ...record, transcript: all.slice(0, 30) });
        await store.putSession(first);
        await flush(store);
        await store.putSession({ ...recordWrite({ ...record, transcript: all }, { from: 30 }), base: first.revision });
        const loaded = await store.loadSession(tenant, id);
        expect(loaded!.transcriptOffset).toBeGreaterThanOrEqual(0);
        expect(loaded!.transcriptOffset).toBeLessThanOrEqual(30);
        expect(loaded!.record.transcript).toEqual(json(all.slice(loaded!.transcriptOffset)));
      });

      it("hands out a record the caller may change without changing the store's", async () => {
        const { store, tenant } = current();
        const record: SessionRecord = {
          ...sessionRecord(tenant),
          acceptedMessageIds: ['m1'],
          inbox: [{ messageId: 'm1', turnId: 't1', content: 'hi' }],
        };
        await store.putSession(recordWrite(record));
        for (const read of [
          await store.loadSession(tenant, record.info.id),
          await store.loadSession(tenant, record.info.id),
        ]) {
          const mine = read!.record;
          mine.info.turns = 99;
          mine.info.usage.promptTokens = 99;
          mine.inbox!.push({ messageId: 'm2', turnId: 't2', content: 'x' });
          mine.acceptedMessageIds.push('m2');
          mine.transcript.push(message(record.info.id, 'x'));
        }
        expect(await store.getSession(tenant, record.info.id)).toEqual(json(record));
      });

      it('refuses a write built on a load that another write overtook', async () => {
        const { store, tenant } = current();
        const record: SessionRecord = { ...sessionRecord(tenant), snapshot: snapshotOf({ n: 1 }) };
        await store.putSession(recordWrite(record));
        const loaded = await store.loadSession(tenant, record.info.id);
        const other = { ...record, info: { ...record.info, turns: 7 } };
        await store.putSession(recordWrite(other));
        await expect(
          store.putSession({
            ...recordWrite(record),
            snapshot: { kind: 'unchanged', value: record.snapshot },
            base: loaded!.revision,
          }),
        ).rejects.toMatchObject({ code: 'store_conflict' });
        expect(await store.getSession(tenant, record.info.id)).toEqual(json(other));
      });
    });
  });
}
