import { useCallback, useSyncExternalStore } from 'react';

/**
 * A set of keys that components watch one key at a time. Replacing the set notifies only the
 * listeners of keys that went in or out, so a live event on a 300-agent canvas wakes the few
 * nodes and edges it touches instead of running a selector per mounted node.
 */
export type KeyedFlags = {
  has(key: string): boolean;
  current(): ReadonlySet<string>;
  /** Takes `next` as the set; returns whether any key went in or out. */
  replace(next: ReadonlySet<string>): boolean;
  subscribe(key: string, listener: () => void): () => void;
};

export function keyedFlags(): KeyedFlags {
  let current: ReadonlySet<string> = new Set();
  const listeners = new Map<string, Set<() => void>>();
  return {
    has: (key) => current.has(key),
    current: () => current,
    replace(next) {
      const changed: string[] = [];
      for (const key of current) if (!next.has(key)) changed.push(key);
      for (const key of next) if (!current.has(key)) changed.push(key);
      current = next;
      for (const key of changed) listeners.get(key)?.forEach((listener) => listener());
      return changed.length > 0;
    },
    subscribe(key, listener) {
      let set = listeners.get(key);
      if (!set) listeners.set(key, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(key);
      };
    },
  };
}

/** Whether `key` is in the flags now; re-renders only when that key goes in or out. */
export function useFlag(flags: KeyedFlags, key: string): boolean {
  const subscribe = useCallback((listener: () => void) => flags.subscribe(key, listener), [flags, key]);
  const read = () => flags.has(key);
  return useSyncExternalStore(subscribe, read, read);
}
