import { StaleFenceError } from '../store/errors.ts';
import type { SessionStore } from '../store/types.ts';

/**
 * The session store as a cluster member sees it: every session write carries the fencing token
 * of this process's lease on that session. Without a (still valid) lease the token is 0, which
 * loses to any token ever issued, so a process that lost a session (paused, partitioned, handed
 * over) cannot overwrite it. The session manager stays unaware of the cluster. `onStale` hears of
 * every write the fence turned away.
 */
export function fencedSessions(
  store: SessionStore,
  tokenOf: (sessionId: string) => number | undefined,
  onStale: (error: StaleFenceError) => void = () => undefined,
): SessionStore {
  // Made once, not per write.
  const failed = (error: unknown) => {
    if (error instanceof StaleFenceError) onStale(error);
    throw error;
  };
  return {
    getSession: (tenant, id) => store.getSession(tenant, id),
    loadSession: (tenant, id) => store.loadSession(tenant, id),
    listSessions: (tenant, filter) => store.listSessions(tenant, filter),
    putSession: (write) =>
      store.putSession({ ...write, fence: write.fence ?? tokenOf(write.info.id) ?? 0 }).catch(failed),
    coalesceMs: store.coalesceMs,
    deleteSession: (tenant, id) => store.deleteSession(tenant, id),
    prune: (policy) => store.prune(policy),
  };
}
