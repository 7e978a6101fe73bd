import { StaleFenceError } from '../store/lowdb-store.ts';
import type { PutSessionOptions, SessionRecord, Store } from '../store/types.ts';

/**
 * The store as a cluster member sees it: every session write carries the fencing token of this
 * process's lease on that session. Without a (still valid) lease the token is 0, which loses to
 * any token ever issued, so a process that lost a session (paused, partitioned, handed over)
 * cannot overwrite it. The session manager stays unaware of the cluster. `onStale` hears of every
 * write the fence turned away.
 */
export function fencedStore(store: Store, tokenOf: (sessionId: string) => number | undefined, onStale: (error: StaleFenceError) => void = () => undefined): Store {
  // Made once, not per write.
  const failed = (error: unknown) => {
    if (error instanceof StaleFenceError) onStale(error);
    throw error;
  };
  const putSession = (record: SessionRecord, options: PutSessionOptions = {}) =>
    store.putSession(record, { ...options, fence: options.fence ?? tokenOf(record.info.id) ?? 0 }).catch(failed);
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'putSession') return putSession;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
