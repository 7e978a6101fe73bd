import type { PostgresStore } from '../store/postgres/postgres-store.ts';
import type { DurableStore } from './join.ts';

/**
 * Postgres as a cluster's durable store: it keeps every session, graph and memory, and issues
 * the leases' fencing tokens. A token is issued by raising the session's stored fence, in one
 * statement: it is above every token issued before (each one was stored), whatever Redis lost,
 * and from that moment the fence check inside the session write refuses the previous owner, as
 * the Redis fence key does in Redis-only mode.
 */
export function postgresDurable(store: PostgresStore): DurableStore {
  return {
    store,
    async issueFence(sessionId) {
      const [row] = await store.sql<{ fence: string }[]>`
        INSERT INTO session_fences AS f (session_id, fence) VALUES (${sessionId}, 1)
        ON CONFLICT (session_id) DO UPDATE SET fence = f.fence + 1
        RETURNING fence`;
      return Number(row!.fence);
    },
  };
}
