import { SpanKind, trace } from '@opentelemetry/api';
import { secondsSince, type Instruments } from './instruments.ts';
import { inSpan } from './spans.ts';

/** The methods of a store that write; the rest pass through untouched. */
const WRITES = new Set(['putSession', 'deleteSession', 'putGraph', 'deleteGraph', 'setMemory']);

/**
 * `store` with every write timed (switchboard_store_write_duration_seconds) and, inside a
 * trace, in a span under whatever is active (the turn, for a turn's writes). `name` labels the store.
 */
export function observeStoreWrites<S extends object>(store: S, name: string, instruments: Instruments): S {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !WRITES.has(key) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const start = performance.now();
        const write = () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        // Only inside a trace (a turn, a traced request): a write of its own would be a one-span trace.
        const traced = trace.getActiveSpan() ? inSpan(`store ${key}`, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': name, 'db.operation.name': key } }, write) : write();
        return traced.finally(() => instruments.storeWriteDuration.observe({ store: name, operation: key }, secondsSince(start)));
      };
    },
  });
}
