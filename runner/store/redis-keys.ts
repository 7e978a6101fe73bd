import { segment, userFileName } from './store-paths.ts';

/**
 * Every Redis key Switchboard uses, in one place, so the store and the cluster agree on them
 * (the session fence key is shared: the lease bumps it, the store checks it). Ids are checked
 * with the embedded store's rules, so no id can contain the ":" separator, and a user is named
 * as the embedded store names its memory file, so a data folder migrates key for key.
 */
/** What every runner of one deployment shares unless REDIS_PREFIX says otherwise. */
export const DEFAULT_REDIS_PREFIX = 'sb:';

const tenantPart = (tenant: string) => segment('tenant', tenant);

export function redisKeys(prefix: string) {
  return {
    prefix,
    tenants: `${prefix}tenants`,
    /** Hash graph id → latest StoredGraph JSON (what listGraphs and getGraph without a version read). */
    graphLatest: (tenant: string) => `${prefix}graph-latest:${tenantPart(tenant)}`,
    /** Hash version → StoredGraph JSON. */
    graphVersions: (tenant: string, id: string) => `${prefix}graph:${tenantPart(tenant)}:${segment('graph', id)}`,
    /** That a session exists ("{}"), or its whole record as an older version wrote it. Its parts are in the keys below and `sessionInfo`. */
    session: (tenant: string, id: string) => `${prefix}session:${tenantPart(tenant)}:${segment('session', id)}`,
    /** Hash of a session's inbox and agents' snapshot (JSON), the revision of its last write (see RedisStore.putSession) and its score in `sessionActive`. */
    sessionState: (tenant: string, id: string) =>
      `${prefix}session-state:${tenantPart(tenant)}:${segment('session', id)}`,
    /** List of changes (snapshot-change.ts) to apply in order to the snapshot in `sessionState`, so a turn's write carries only what it changed. */
    snapshotChanges: (tenant: string, id: string) =>
      `${prefix}snapshot-changes:${tenantPart(tenant)}:${segment('session', id)}`,
    /** List of the message ids a session accepted, oldest first, so a write adds only the new ones. */
    accepted: (tenant: string, id: string) => `${prefix}accepted:${tenantPart(tenant)}:${segment('session', id)}`,
    /** List of a session's transcript entries (JSON), kept apart from its record so a turn appends only its own. */
    transcript: (tenant: string, id: string) => `${prefix}transcript:${tenantPart(tenant)}:${segment('session', id)}`,
    /** Hash session id → SessionInfo JSON: the index listSessions reads. */
    sessionInfo: (tenant: string) => `${prefix}session-info:${tenantPart(tenant)}`,
    /** Sorted set session id by lastActiveAt: the index prune reads. */
    sessionActive: (tenant: string) => `${prefix}session-active:${tenantPart(tenant)}`,
    /** Highest fencing token issued or written for a session (session ids are global UUIDs). */
    fence: (sessionId: string) => `${prefix}fence:${segment('session', sessionId)}`,
    memory: (tenant: string, user: string) => `${prefix}memory:${tenantPart(tenant)}:${userFileName(user)}`,
    /** The same key from the embedded store's memory file name (which may be a hash of the user). */
    memoryOfFile: (tenant: string, fileName: string) => `${prefix}memory:${tenantPart(tenant)}:${fileName}`,
    lease: (sessionId: string) => `${prefix}lease:${segment('session', sessionId)}`,
    /** Stream of messages for sessions a process owns, read by that process's consumer group. */
    inbox: (processId: string) => `${prefix}inbox:${processId}`,
    /** Sorted set process id by last heartbeat: who is (or was) in the cluster. */
    processes: `${prefix}processes`,
    /** Per-process load JSON with a TTL: gone means the process is gone. */
    load: (processId: string) => `${prefix}load:${processId}`,
    /** Set of session ids a process owns, so a survivor knows what to take over. */
    owned: (processId: string) => `${prefix}owned:${processId}`,
    /** Pub/sub channel of a watched session's events. */
    events: (sessionId: string) => `${prefix}events:${sessionId}`,
    /** Hash session id → how many processes watch it from elsewhere. */
    watchers: `${prefix}watchers`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
