import { describe, expect, it } from 'vitest';
import type { MemoryStore } from '../types.ts';
import { withSubject, type MakeSubject } from './subject.ts';

/** What every MemoryStore does: memory per tenant and user. */
export function describeMemoryStoreContract(name: string, make: MakeSubject<MemoryStore>): void {
  describe(`MemoryStore contract: ${name}`, () => {
    withSubject(make, (current) => {
      it('keeps long-term memory per tenant and user', async () => {
        const { store, tenant } = current();
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
    });
  });
}
