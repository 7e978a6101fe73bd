import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import { WRITE_OVERLAP, type SessionRecord, type Store, type StoredGraph } from './types.ts';

/**
 * Everything a store has written, as one comparable value: its files with their sizes, times and
 * contents, or its keys with their values.
 */
export type Footprint = (store: Store) => Promise<unknown>;

/** Longer than any delay a store may put a write off by (a checkpoint, a coalesced write). */
const AFTER_CLOSE_MS = 1500;

/**
 * The behaviour every Store implementation shares. Each test gets a fresh store from `makeStore`
 * and its own tenant names, so implementations backed by a shared server can run it too.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<Store> | Store, footprint: Footprint) {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let tenant: string;
    beforeEach(async () => {
      store = await makeStore();
      tenant = `t-${randomUUID().slice(0, 8)}`;
    });
    afterEach(async () => {
      await store.close();
    });

    it('writes nothing once close() has resolved, not even the writes in flight when it was called', async () => {
      const stored = Array.from({ length: 10 }, () => sessionRecord(tenant));
      for (const r of stored) await store.putSession(r);
      const next = (r: SessionRecord) => ({ ...r, info: { ...r.info, turns: 1 }, transcript: [message(r.info.id)] });
      // Not awaited: close() is called while these are under way, as on a runner's shutdown.
      const inFlight = [
        ...stored.slice(2).map((r) => store.putSession(next(r), { transcriptFrom: 0 })),
        store.putSession(next(stored[0]!), { transcriptFrom: 0, coalesce: true }),
        store.putSession(sessionRecord(tenant)),
        store.deleteSession(tenant, stored[1]!.info.id),
        store.setMemory(tenant, 'ann', 'k', 'v'),
        store.putGraph(graphRecord(tenant, 'g1', 1)),
        store.prune({ maxAgeMs: 86_400_000 }),
      ];
      await store.close();
      const atClose = await footprint(store);
      await Promise.allSettled(inFlight);
      await new Promise((resolve) => setTimeout(resolve, AFTER_CLOSE_MS));
      expect(await footprint(store)).toEqual(atClose);
    });

    it('keeps every graph version and returns the latest when no version is asked', async () => {
      await store.putGraph(graphRecord(tenant, 'g1', 1));
      await store.putGraph(graphRecord(tenant, 'g1', 2, true));
      await store.putGraph(graphRecord(tenant, 'g2', 1));
      expect(await store.listGraphVersions(tenant, 'g1')).toEqual([1, 2]);
      expect((await store.getGraph(tenant, 'g1'))?.version).toBe(2);
      expect((await store.getGraph(tenant, 'g1', 1))?.draft).toBe(false);
      expect((await store.getGraph(tenant, 'g1', 2))?.draft).toBe(true);
      expect((await store.listGraphs(tenant)).map((g) => [g.id, g.version])).toEqual([['g1', 2], ['g2', 1]]);
      expect(await store.getGraph(tenant, 'nope')).toBeUndefined();
      expect(await store.getGraph(tenant, 'g1', 9)).toBeUndefined();
    });

    it('deletes a graph with all its versions', async () => {
      await store.putGraph(graphRecord(tenant, 'g1', 1));
      await store.putGraph(graphRecord(tenant, 'g1', 2));
      await store.deleteGraph(tenant, 'g1');
      expect(await store.getGraph(tenant, 'g1')).toBeUndefined();
      expect(await store.listGraphVersions(tenant, 'g1')).toEqual([]);
      expect(await store.listGraphs(tenant)).toEqual([]);
    });

    it('keeps graphs per tenant', async () => {
      const other = `${tenant}-b`;
      await store.putGraph(graphRecord(tenant, 'g1', 1));
      expect(await store.getGraph(other, 'g1')).toBeUndefined();
      expect(await store.listGraphs(other)).toEqual([]);
    });

    it('round-trips a session record and replaces it on the next write', async () => {
      const record = sessionRecord(tenant);
      await store.putSession(record);
      expect(await store.getSession(tenant, record.info.id)).toEqual(record);
      const next = { ...record, info: { ...record.info, turns: 1, state: 'running' as const }, transcript: [message(record.info.id, 'hello')], acceptedMessageIds: ['m1'] };
      await store.putSession(next);
      expect(await store.getSession(tenant, record.info.id)).toEqual(next);
      expect(await store.getSession(tenant, randomUUID())).toBeUndefined();
    });

    it('writes only the new transcript entries when told the rest is unchanged, and all of them otherwise', async () => {
      const record = sessionRecord(tenant);
      const id = record.info.id;
      const t = [message(id, 'a'), message(id, 'b')];
      await store.putSession({ ...record, transcript: t });
      await store.putSession({ ...record, transcript: [...t, message(id, 'c')] }, { transcriptFrom: 2 });
      await store.putSession({ ...record, transcript: [...t, message(id, 'c')] }, { transcriptFrom: 3 });
      expect((await store.getSession(tenant, id))?.transcript.map((m) => m.content)).toEqual(['a', 'b', 'c']);
      // trimmed from the front: written whole
      const trimmed = [message(id, 'c'), message(id, 'd')];
      await store.putSession({ ...record, transcript: trimmed });
      expect((await store.getSession(tenant, id))?.transcript.map((m) => m.content)).toEqual(['c', 'd']);
      await store.putSession({ ...record, transcript: [...trimmed, message(id, 'e')] }, { transcriptFrom: 2 });
      expect((await store.getSession(tenant, id))?.transcript.map((m) => m.content)).toEqual(['c', 'd', 'e']);
    });

    it('keeps a long transcript written a few entries at a time', async () => {
      const record = sessionRecord(tenant);
      const transcript: MessageEvent[] = [];
      for (let turn = 0; turn < 100; turn++) {
        const from = transcript.length;
        transcript.push(message(record.info.id, `q${turn}`), message(record.info.id, `a${turn}`));
        await store.putSession({ ...record, transcript: [...transcript] }, { transcriptFrom: from });
      }
      const stored = await store.getSession(tenant, record.info.id);
      expect(stored?.transcript.map((m) => m.content)).toEqual(transcript.map((m) => m.content));
    });

    it('takes writes that carry only the end of the transcript, from an offset', async () => {
      const record = sessionRecord(tenant);
      const transcript: MessageEvent[] = [];
      for (let turn = 0; turn < 120; turn++) {
        const from = transcript.length;
        transcript.push(message(record.info.id, `q${turn}`), message(record.info.id, `a${turn}`));
        // the writer keeps WRITE_OVERLAP entries before what it adds, like a live session
        const offset = Math.max(0, from - WRITE_OVERLAP);
        await store.putSession({ ...record, transcript: transcript.slice(offset) }, { transcriptFrom: from, transcriptOffset: offset });
      }
      expect((await store.getSession(tenant, record.info.id))?.transcript.map((m) => m.content)).toEqual(transcript.map((m) => m.content));
      // without a transcriptFrom, an offset cannot be written: it would lose the entries before it
      await expect(store.putSession({ ...record, transcript: transcript.slice(100) }, { transcriptOffset: 100 })).rejects.toMatchObject({ code: 'invalid' });
      expect((await store.getSession(tenant, record.info.id))?.transcript).toHaveLength(transcript.length);
    });

    it('lists session summaries with filters, oldest first', async () => {
      const a = sessionRecord(tenant, { graphId: 'g1', user: 'ann', createdAt: 1 });
      const b = sessionRecord(tenant, { graphId: 'g2', user: 'bob', createdAt: 2, state: 'closed' });
      const c = sessionRecord(tenant, { graphId: 'g1', user: 'bob', createdAt: 3 });
      for (const r of [c, a, b]) await store.putSession(r);
      await store.putSession({ ...a, info: { ...a.info, turns: 5 } });
      const ids = (list: SessionInfo[]) => list.map((s) => s.id);
      expect(ids(await store.listSessions(tenant))).toEqual([a.info.id, b.info.id, c.info.id]);
      expect((await store.listSessions(tenant)).find((s) => s.id === a.info.id)?.turns).toBe(5);
      expect(ids(await store.listSessions(tenant, { graphId: 'g1' }))).toEqual([a.info.id, c.info.id]);
      expect(ids(await store.listSessions(tenant, { state: 'closed' }))).toEqual([b.info.id]);
      expect(ids(await store.listSessions(tenant, { user: 'bob' }))).toEqual([b.info.id, c.info.id]);
      expect(ids(await store.listSessions(tenant, { graphId: 'g1', user: 'bob' }))).toEqual([c.info.id]);
    });

    it('never shows a session to another tenant', async () => {
      const other = `${tenant}-b`;
      const record = sessionRecord(tenant);
      await store.putSession(record);
      expect(await store.getSession(other, record.info.id)).toBeUndefined();
      expect(await store.listSessions(other)).toEqual([]);
    });

    it('deletes a session and its summary', async () => {
      const keep = sessionRecord(tenant);
      const gone = sessionRecord(tenant);
      await store.putSession(keep);
      await store.putSession(gone);
      await store.deleteSession(tenant, gone.info.id);
      expect(await store.getSession(tenant, gone.info.id)).toBeUndefined();
      expect((await store.listSessions(tenant)).map((s) => s.id)).toEqual([keep.info.id]);
      await store.deleteSession(tenant, gone.info.id);
    });

    it('holds many concurrent writes to many sessions', async () => {
      const records = Array.from({ length: 60 }, () => sessionRecord(tenant));
      await Promise.all(records.flatMap((r) => [store.putSession(r), store.putSession({ ...r, info: { ...r.info, turns: 2 } })]));
      const listed = await store.listSessions(tenant);
      expect(listed).toHaveLength(60);
      expect(listed.every((s) => s.turns === 2)).toBe(true);
      for (const r of records.slice(0, 5)) expect((await store.getSession(tenant, r.info.id))?.info.turns).toBe(2);
    });

    it('rejects a write whose fence is older than the highest seen', async () => {
      const record = sessionRecord(tenant);
      await store.putSession(record, { fence: 5 });
      await store.putSession({ ...record, info: { ...record.info, turns: 1 } }, { fence: 5 });
      await expect(store.putSession({ ...record, info: { ...record.info, turns: 9 } }, { fence: 4 })).rejects.toMatchObject({ code: 'stale_fence' });
      await store.putSession({ ...record, info: { ...record.info, turns: 2 } });
      await expect(store.putSession(record, { fence: 3 })).rejects.toMatchObject({ code: 'stale_fence' });
      await store.putSession({ ...record, info: { ...record.info, turns: 3 } }, { fence: 6 });
      await expect(store.putSession(record, { fence: 5 })).rejects.toMatchObject({ code: 'stale_fence' });
      expect((await store.getSession(tenant, record.info.id))?.info.turns).toBe(3);
    });

    it('keeps long-term memory per tenant and user', async () => {
      const other = `${tenant}-b`;
      expect(await store.getMemory(tenant, 'ann')).toEqual({});
      await store.setMemory(tenant, 'ann', 'color', 'blue');
      await store.setMemory(tenant, 'ann', 'city', 'Oslo');
      await store.setMemory(tenant, 'ann', 'color', 'green');
      await store.setMemory(tenant, 'bob', 'color', 'red');
      await store.setMemory(other, 'ann', 'color', 'black');
      expect(await store.getMemory(tenant, 'ann')).toEqual({ color: 'green', city: 'Oslo' });
      expect(await store.getMemory(tenant, 'bob')).toEqual({ color: 'red' });
      expect(await store.getMemory(other, 'ann')).toEqual({ color: 'black' });
      await store.setMemory(tenant, 'ann@example.com', 'k', 'v');
      expect(await store.getMemory(tenant, 'ann@example.com')).toEqual({ k: 'v' });
    });

    it('prunes sessions past the age limit and beyond the count limit', async () => {
      const now = Date.now();
      const old = sessionRecord(tenant, { lastActiveAt: now - 10 * 86_400_000 });
      const fresh = Array.from({ length: 4 }, (_, i) => sessionRecord(tenant, { lastActiveAt: now - (4 - i) * 1000 }));
      for (const r of [old, ...fresh]) await store.putSession(r);
      expect(await store.prune({ maxAgeMs: 86_400_000 })).toBeGreaterThanOrEqual(1);
      expect(await store.getSession(tenant, old.info.id)).toBeUndefined();
      expect(await store.listSessions(tenant)).toHaveLength(4);
      expect(await store.prune({ maxSessionsPerTenant: 2 })).toBeGreaterThanOrEqual(2);
      expect((await store.listSessions(tenant)).map((s) => s.id).sort()).toEqual(fresh.slice(2).map((r) => r.info.id).sort());
      expect(await store.getSession(tenant, fresh[0]!.info.id)).toBeUndefined();
    });
  });
}

export function graphRecord(tenant: string, id: string, version: number, draft = false): StoredGraph {
  return {
    tenant, id, version, draft, updatedAt: Date.now(),
    graph: {
      format: 'switchboard/graph', version: 1, id, name: `graph ${id}`, description: '', models: [], agents: [], topics: [],
      subscriptions: [], publications: [], entry: 'in', output: ['out'],
      limits: { maxMessagesPerTurn: 100, maxTurnMs: 120_000, maxTokensPerSession: 1_000_000, allowedHosts: [] },
      layout: { nodes: {} }, meta: { tags: [] },
    },
  };
}

export function sessionRecord(tenant: string, patch: Partial<SessionInfo> = {}): SessionRecord {
  const now = Date.now();
  return {
    info: {
      id: randomUUID(), tenant, graphId: 'g1', graphVersion: 1, state: 'idle', createdAt: now, lastActiveAt: now, turns: 0,
      usage: { promptTokens: 0, completionTokens: 0, cost: 0, estimated: false }, ...patch,
    },
    transcript: [],
    acceptedMessageIds: [],
  };
}

export function message(sessionId: string, content = 'hello'): MessageEvent {
  return {
    sessionId, id: randomUUID(), turnId: randomUUID(), topic: { type: 'in', source: sessionId }, sender: 'user', recipients: ['a'],
    role: 'user', content, output: false, time: Date.now(),
  };
}
