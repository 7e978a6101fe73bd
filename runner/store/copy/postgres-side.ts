import type { PostgresStore } from '../postgres/postgres-store.ts';
import { toPgText } from '../postgres/pg-text.ts';
import type { CopySource, CopyTarget } from './copy-store.ts';

/** A PostgreSQL store as a copy reads or writes it. */
export function postgresSide(store: PostgresStore): CopySource & CopyTarget {
  const sql = store.sql;
  return {
    store,
    tenants: async () =>
      (
        await sql<
          { tenant: string }[]
        >`SELECT tenant FROM graphs UNION SELECT tenant FROM sessions UNION SELECT tenant FROM memories ORDER BY tenant`
      ).map((r) => r.tenant),
    async fence(_tenant, sessionId) {
      return (await store.fenceOf(sessionId)) || undefined;
    },
    async memories(tenant) {
      const out = new Map<string, Record<string, string>>();
      for (const { user_key, key, value } of await sql<
        { user_key: string; key: string; value: string }[]
      >`SELECT user_key, key, value FROM memories WHERE tenant = ${tenant}`) {
        out.set(user_key, { ...out.get(user_key), [key]: value });
      }
      return out;
    },
    async putMemory(tenant, userKey, memory) {
      const entries = Object.entries(memory);
      await sql`INSERT INTO memories (tenant, user_key, key, value)
        SELECT ${tenant}, ${userKey}, k, v FROM unnest(${entries.map(([k]) => toPgText(k))}::text[], ${entries.map(([, v]) => toPgText(v))}::text[]) AS e(k, v)
        ON CONFLICT (tenant, user_key, key) DO UPDATE SET value = excluded.value`;
    },
  };
}
