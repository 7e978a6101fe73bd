import type { PostgresStore } from '../store/postgres/postgres-store.ts';
import type { DurableStore } from './join.ts';

/**
 * Postgres as a cluster's durable store: it keeps every session, graph and memory, and issues
 * the leases' fencing tokens (PostgresStore.issueFence raises the session's stored fence). Every
 * token issued is stored, so the next is above it whatever Redis lost, and from that moment the
 * fence check inside the session write refuses the previous owner, as the Redis fence key does
 * in Redis-only mode.
 */
export function postgresDurable(store: PostgresStore): DurableStore {
  return { store, issueFence: (sessionId) => store.issueFence(sessionId) };
}
