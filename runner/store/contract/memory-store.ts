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
      it('keeps a user memory full at its limit, even under concurrent writers', async () => {
        const { store, tenant } = current();
        await Promise.all(
          Array.from({ length: 1010 }, (_, i) => store.setMemory(tenant, 'u:1', `k${i}`, 'v').catch(() => 'full')),
        );
        expect(Object.keys(await store.getMemory(tenant, 'u:1'))).toHaveLength(1000);
        await expect(store.setMemory(tenant, 'u:1', 'more', 'v')).rejects.toMatchObject({
          code: 'invalid',
          details: { limit: 1000 },
        });
        await store.setMemory(tenant, 'u:1', 'k1', 'replaced');
        expect((await store.getMemory(tenant, 'u:1')).k1).toBe('replaced');
      }, 30_000); // 1010 writes to one user's memory take their turns under its lock
    });
  });
}
