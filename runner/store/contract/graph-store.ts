import { describe, expect, it } from 'vitest';
import type { GraphStore } from '../types.ts';
import { graphRecord } from './records.ts';
import { withSubject, type MakeSubject } from './subject.ts';

/** What every GraphStore does: versions kept, the latest found, graphs per tenant. */
export function describeGraphStoreContract(name: string, make: MakeSubject<GraphStore>): void {
  describe(`GraphStore contract: ${name}`, () => {
    withSubject(make, (current) => {
      it('keeps every graph version and returns the latest when no version is asked', async () => {
        const { store, tenant } = current();
        await store.putGraph(graphRecord(tenant, 'g1', 1));
        await store.putGraph(graphRecord(tenant, 'g1', 2, true));
        await store.putGraph(graphRecord(tenant, 'g2', 1));
        expect(await store.listGraphVersions(tenant, 'g1')).toEqual([1, 2]);
        expect((await store.getGraph(tenant, 'g1'))?.version).toBe(2);
        expect((await store.getGraph(tenant, 'g1', 1))?.draft).toBe(false);
        expect((await store.getGraph(tenant, 'g1', 2))?.draft).toBe(true);
        expect((await store.listGraphs(tenant)).map((g) => [g.id, g.version])).toEqual([
          ['g1', 2],
          ['g2', 1],
        ]);
        expect(await store.getGraph(tenant, 'nope')).toBeUndefined();
        expect(await store.getGraph(tenant, 'g1', 9)).toBeUndefined();
      });

      it('deletes a graph with all its versions', async () => {
        const { store, tenant } = current();
        await store.putGraph(graphRecord(tenant, 'g1', 1));
        await store.putGraph(graphRecord(tenant, 'g1', 2));
        await store.deleteGraph(tenant, 'g1');
        expect(await store.getGraph(tenant, 'g1')).toBeUndefined();
        expect(await store.listGraphVersions(tenant, 'g1')).toEqual([]);
        expect(await store.listGraphs(tenant)).toEqual([]);
      });

      it('keeps graphs per tenant', async () => {
        const { store, tenant } = current();
        const other = `${tenant}-b`;
        await store.putGraph(graphRecord(tenant, 'g1', 1));
        expect(await store.getGraph(other, 'g1')).toBeUndefined();
        expect(await store.listGraphs(other)).toEqual([]);
      });
    });
  });
}
