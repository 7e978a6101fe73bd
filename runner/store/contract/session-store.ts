import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { MessageEvent, SessionInfo } from '../../../schemas/protocol.ts';
import type { SessionStore } from '../types.ts';
import { message, sessionRecord } from './records.ts';
import { describeSessionLoad } from './session-load.ts';
import { describeSessionWriteForms } from './session-write-forms.ts';
import { withSubject, type MakeSubject } from './subject.ts';
import { recordWrite, WRITE_OVERLAP } from '../session-write.ts';

/**
 * What every SessionStore does: records round-trip, partial transcript writes, listing, fences,
 * retention, every form of a SessionWrite (session-write-forms.ts) and a writer's loads (session-load.ts).
 */
export function describeSessionStoreContract(name: string, make: MakeSubject<SessionStore>): void {
  describeSessionWriteForms(name, make);
  describeSessionLoad(name, make);
  describe(`SessionStore contract: ${name}`, () => {
    withSubject(make, (current) => {
      it('round-trips a session record and replaces it on the next write', async () => {
        const { store, tenant } = current();
        const record = sessionRecord(tenant);
        await store.putSession(recordWrite(record));
        expect(await store.getSession(tenant, record.info.id)).toEqual(record);
        const next = {
          ...record,
          info: { ...record.info, turns: 1, state: 'running' as const },
          transcript: [message(record.info.id, 'hello')],
          acceptedMessageIds: ['m1'],
        };
        await store.putSession(recordWrite(next));
        expect(await store.getSession(tenant, record.info.id)).toEqual(next);
        expect(await store.getSession(tenant, randomUUID())).toBeUndefined();
      });

      it('writes only the new transcript entries when told the rest is unchanged, and all of them otherwise', async () => {
        const { store, tenant } = current();
        const record = sessionRecord(tenant);
        const id = record.info.id;
        const t = [message(id, 'a'), message(id, 'b')];
        await store.putSession(recordWrite({ ...record, transcript: t }));
        await store.putSession(recordWrite({ ...record, transcript: [...t, message(id, 'c')] }, { from: 2 }));
        await store.putSession(recordWrite({ ...record, transcript: [...t, message(id, 'c')] }, { from: 3 }));
        expect((await store.getSession(tenant, id))?.transcript.map((m) => m.content)).toEqual(['a', 'b', 'c']);
        // trimmed from the front: written whole
        const trimmed = [message(id, 'c'), message(id, 'd')];
        await store.putSession(recordWrite({ ...record, transcript: trimmed }));
        expect((await store.getSession(tenant, id))?.transcript.map((m) => m.content)).toEqual(['c', 'd']);
        await store.putSession(recordWrite({ ...record, transcript: [...trimmed, message(id, 'e')] }, { from: 2 }));
        expect((await store.getSession(tenant, id))?.transcript.map((m) => m.content)).toEqual(['c', 'd', 'e']);
      });

      it('keeps a long transcript written a few entries at a time', async () => {
        const { store, tenant } = current();
        const record = sessionRecord(tenant);
        const transcript: MessageEvent[] = [];
        for (let turn = 0; turn < 100; turn++) {
          const from = transcript.length;
          transcript.push(message(record.info.id, `q${turn}`), message(record.info.id, `a${turn}`));
          await store.putSession(recordWrite({ ...record, transcript: [...transcript] }, { from: from }));
        }
        const stored = await store.getSession(tenant, record.info.id);
        expect(stored?.transcript.map((m) => m.content)).toEqual(transcript.map((m) => m.content));
      });

      it('takes writes that carry only the end of the transcript, from an offset', async () => {
        const { store, tenant } = current();
        const record = sessionRecord(tenant);
        const transcript: MessageEvent[] = [];
        for (let turn = 0; turn < 120; turn++) {
          const from = transcript.length;
          transcript.push(message(record.info.id, `q${turn}`), message(record.info.id, `a${turn}`));
          // the writer keeps WRITE_OVERLAP entries before what it adds, like a live session
          const offset = Math.max(0, from - WRITE_OVERLAP);
          await store.putSession(
            recordWrite({ ...record, transcript: transcript.slice(offset) }, { from: from, offset: offset }),
          );
        }
        expect((await store.getSession(tenant, record.info.id))?.transcript.map((m) => m.content)).toEqual(
          transcript.map((m) => m.content),
        );
        // a write from an entry before its own first one would lose the entries between
        const write = recordWrite(record);
        const entries = transcript.slice(100);
        await expect(
          store.putSession({
            ...write,
            transcript: { kind: 'from', from: 90, offset: 100, entries, length: 100 + entries.length },
          }),
        ).rejects.toMatchObject({ code: 'invalid' });
        expect((await store.getSession(tenant, record.info.id))?.transcript).toHaveLength(transcript.length);
      });

      it('lists session summaries with filters, oldest first', async () => {
        const { store, tenant } = current();
        const a = sessionRecord(tenant, { graphId: 'g1', user: 'ann', createdAt: 1 });
        const b = sessionRecord(tenant, { graphId: 'g2', user: 'bob', createdAt: 2, state: 'closed' });
        const c = sessionRecord(tenant, { graphId: 'g1', user: 'bob', createdAt: 3 });
        for (const r of [c, a, b]) await store.putSession(recordWrite(r));
        await store.putSession(recordWrite({ ...a, info: { ...a.info, turns: 5 } }));
        const ids = (list: SessionInfo[]) => list.map((s) => s.id);
        expect(ids(await store.listSessions(tenant))).toEqual([a.info.id, b.info.id, c.info.id]);
        expect((await store.listSessions(tenant)).find((s) => s.id === a.info.id)?.turns).toBe(5);
        expect(ids(await store.listSessions(tenant, { graphId: 'g1' }))).toEqual([a.info.id, c.info.id]);
        expect(ids(await store.listSessions(tenant, { state: 'closed' }))).toEqual([b.info.id]);
        expect(ids(await store.listSessions(tenant, { user: 'bob' }))).toEqual([b.info.id, c.info.id]);
        expect(ids(await store.listSessions(tenant, { graphId: 'g1', user: 'bob' }))).toEqual([c.info.id]);
      });

      it('never shows a session to another tenant', async () => {
        const { store, tenant } = current();
        const other = `${tenant}-b`;
        const record = sessionRecord(tenant);
        await store.putSession(recordWrite(record));
        expect(await store.getSession(other, record.info.id)).toBeUndefined();
        expect(await store.listSessions(other)).toEqual([]);
      });

      it('deletes a session and its summary', async () => {
        const { store, tenant } = current();
        const keep = sessionRecord(tenant);
        const gone = sessionRecord(tenant);
        await store.putSession(recordWrite(keep));
        await store.putSession(recordWrite(gone));
        await store.deleteSession(tenant, gone.info.id);
        expect(await store.getSession(tenant, gone.info.id)).toBeUndefined();
        expect((await store.listSessions(tenant)).map((s) => s.id)).toEqual([keep.info.id]);
        await store.deleteSession(tenant, gone.info.id);
      });

      it('holds many concurrent writes to many sessions', async () => {
        const { store, tenant } = current();
        const records = Array.from({ length: 60 }, () => sessionRecord(tenant));
        await Promise.all(
          records.flatMap((r) => [
            store.putSession(recordWrite(r)),
            store.putSession(recordWrite({ ...r, info: { ...r.info, turns: 2 } })),
          ]),
        );
        const listed = await store.listSessions(tenant);
        expect(listed).toHaveLength(60);
        expect(listed.every((s) => s.turns === 2)).toBe(true);
        for (const r of records.slice(0, 5)) expect((await store.getSession(tenant, r.info.id))?.info.turns).toBe(2);
      });

      it('rejects a write whose fence is older than the highest seen', async () => {
        const { store, tenant } = current();
        const record = sessionRecord(tenant);
        await store.putSession(recordWrite(record, { fence: 5 }));
        await store.putSession(recordWrite({ ...record, info: { ...record.info, turns: 1 } }, { fence: 5 }));
        await expect(
          store.putSession(recordWrite({ ...record, info: { ...record.info, turns: 9 } }, { fence: 4 })),
        ).rejects.toMatchObject({ code: 'stale_fence' });
        await store.putSession(recordWrite({ ...record, info: { ...record.info, turns: 2 } }));
        await expect(store.putSession(recordWrite(record, { fence: 3 }))).rejects.toMatchObject({
          code: 'stale_fence',
        });
        await store.putSession(recordWrite({ ...record, info: { ...record.info, turns: 3 } }, { fence: 6 }));
        await expect(store.putSession(recordWrite(record, { fence: 5 }))).rejects.toMatchObject({
          code: 'stale_fence',
        });
        expect((await store.getSession(tenant, record.info.id))?.info.turns).toBe(3);
      });

      it('prunes sessions past the age limit and beyond the count limit', async () => {
        const { store, tenant } = current();
        const now = Date.now();
        const old = sessionRecord(tenant, { lastActiveAt: now - 10 * 86_400_000 });
        const fresh = Array.from({ length: 4 }, (_, i) =>
          sessionRecord(tenant, { lastActiveAt: now - (4 - i) * 1000 }),
        );
        for (const r of [old, ...fresh]) await store.putSession(recordWrite(r));
        expect(await store.prune({ maxAgeMs: 86_400_000 })).toBeGreaterThanOrEqual(1);
        expect(await store.getSession(tenant, old.info.id)).toBeUndefined();
        expect(await store.listSessions(tenant)).toHaveLength(4);
        expect(await store.prune({ maxSessionsPerTenant: 2 })).toBeGreaterThanOrEqual(2);
        expect((await store.listSessions(tenant)).map((s) => s.id).sort()).toEqual(
          fresh
            .slice(2)
            .map((r) => r.info.id)
            .sort(),
        );
        expect(await store.getSession(tenant, fresh[0]!.info.id)).toBeUndefined();
      });
    });
  });
}
