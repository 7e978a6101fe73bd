import type { PostgresStore } from '../store/postgres/postgres-store.ts';
import type { DurableStore } from './join.ts';

/**
 * Postgres as a cluster's durable store: it keeps every session, graph and memory, and issues
 * the leases' fencing tokens from a sequence (migration 002). Tokens then keep growing when
 * Redis loses its data, so a token issued after a flush is above every fence stored, and the
 * fence check inside the session write still refuses an owner from before.
 */
export function postgresDurable(store: PostgresStore): DurableStore {
  return {
    store,
    async issueFence() {
      const [row] = await store.sql<{ token: string }[]>`SELECT nextval('fence_tokens') AS token`;
      return Number(row!.token);
    },
  };
}
