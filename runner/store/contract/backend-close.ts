import { describe, expect, it } from 'vitest';
import type { SessionRecord, Store } from '../types.ts';
import { graphRecord, message, sessionRecord } from './records.ts';
import { withSubject, type MakeSubject } from './subject.ts';
import { recordWrite } from '../session-write.ts';

/**
 * Everything a store has written, as one comparable value: its files with their sizes, times and
 * contents, or its keys with their values.
 */
export type Footprint = (store: Store) => Promise<unknown>;

/** Longer than any delay a store may put a write off by (a checkpoint, a coalesced write). */
const AFTER_CLOSE_MS = 1500;

/** What a backend's close() promises, across its three stores. */
export function describeBackendCloseContract(name: string, make: MakeSubject<Store>, footprint: Footprint): void {
  describe(`Store backend close: ${name}`, () => {
    withSubject(make, (current) => {
      it('writes nothing once close() has resolved, not even the writes in flight when it was called', async () => {
        const { store, tenant } = current();
        const stored = Array.from({ length: 10 }, () => sessionRecord(tenant));
        for (const r of stored) await store.putSession(recordWrite(r));
        const next = (r: SessionRecord) => ({ ...r, info: { ...r.info, turns: 1 }, transcript: [message(r.info.id)] });
        // Not awaited: close() is called while these are under way, as on a runner's shutdown.
        const inFlight = [
          ...stored.slice(2).map((r) => store.putSession(recordWrite(next(r), { from: 0 }))),
          store.putSession(recordWrite(next(stored[0]!), { from: 0 })),
          store.putSession(recordWrite(sessionRecord(tenant))),
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
    });
  });
}
