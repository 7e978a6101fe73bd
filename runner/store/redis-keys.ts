/**
 * Every Redis key Switchboard uses, in one place, so the store and the cluster agree on them
 * (the session fence key is shared: the lease bumps it, the store checks it).
 * Tenants and users are free-form strings, so they are URI-encoded: "a:b"/"c" and "a"/"b:c"
 * must never land on the same key.
 */
const part = (s: string) => encodeURIComponent(s);

export function redisKeys(prefix: string) {
  return {
    prefix,
    tenants: `${prefix}tenants`,
    /** Hash graph id → latest StoredGraph JSON (what listGraphs and getGraph without a version read). */
    graphLatest: (tenant: string) => `${prefix}graph-latest:${part(tenant)}`,
    /** Hash version → StoredGraph JSON. */
    graphVersions: (tenant: string, id: string) => `${prefix}graph:${part(tenant)}:${id}`,
    session: (tenant: string, id: string) => `${prefix}session:${part(tenant)}:${id}`,
    /** Hash session id → SessionInfo JSON: the index listSessions reads. */
    sessionInfo: (tenant: string) => `${prefix}session-info:${part(tenant)}`,
    /** Sorted set session id by lastActiveAt: the index prune reads. */
    sessionActive: (tenant: string) => `${prefix}session-active:${part(tenant)}`,
    /** Highest fencing token issued or written for a session (session ids are global UUIDs). */
    fence: (sessionId: string) => `${prefix}fence:${sessionId}`,
    memory: (tenant: string, user: string) => `${prefix}memory:${part(tenant)}:${part(user)}`,
    lease: (sessionId: string) => `${prefix}lease:${sessionId}`,
    /** Stream of messages for sessions a process owns, read by that process's consumer group. */
    inbox: (processId: string) => `${prefix}inbox:${processId}`,
    /** Sorted set process id by last heartbeat: who is (or was) in the cluster. */
    processes: `${prefix}processes`,
    /** Per-process load JSON with a TTL: gone means the process is gone. */
    load: (processId: string) => `${prefix}load:${processId}`,
    /** Set of session ids a process owns, so a survivor knows what to take over. */
    owned: (processId: string) => `${prefix}owned:${processId}`,
    /** Short lock so only one survivor reaps a dead process. */
    reap: (processId: string) => `${prefix}reap:${processId}`,
    /** Where a session lives for its tenant, so a process that gets a bare session id can find it. */
    sessionTenant: (sessionId: string) => `${prefix}session-tenant:${sessionId}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
