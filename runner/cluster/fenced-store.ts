import type { SessionRecord, Store } from '../store/types.ts';

/**
 * The store as a cluster member sees it: every session write carries the fencing token of this
 * process's lease on that session. Without a lease the token is 0, which loses to any token ever
 * issued, so a process that lost a session (paused, partitioned, handed over) cannot overwrite it.
 * The session manager stays unaware of the cluster.
 */
export function fencedStore(store: Store, tokenOf: (sessionId: string) => number | undefined): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'putSession') {
        return (record: SessionRecord, options: { fence?: number } = {}) =>
          target.putSession(record, { ...options, fence: options.fence ?? tokenOf(record.info.id) ?? 0 });
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
