import { context, SpanKind, trace, type Context } from '@opentelemetry/api';
import { secondsSince, type Instruments } from './instruments.ts';
import { inSpan } from './spans.ts';
import { tracing } from './tracing.ts';
import { sessionTrace } from './turn-trace.ts';

/** The methods of a store that write; the rest pass through untouched. */
const WRITES = new Set(['putSession', 'deleteSession', 'putGraph', 'deleteGraph', 'setMemory']);

/**
 * `store` with every write timed (switchboard_store_write_duration_seconds) and, inside a
 * trace, in a span under whatever is active (the turn, for a turn's writes). `name` labels the store.
 */
export function observeStoreWrites<S extends object>(store: S, name: string, instruments: Instruments): S {
  // One wrapper per method, made on first use: a store is read many times a turn.
  const wrappers = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !WRITES.has(key) || typeof value !== 'function') return value;
      let wrapper = wrappers.get(key);
      if (wrapper) return wrapper;
      wrapper = (...args: unknown[]) => {
        const start = performance.now();
        // Bound, not a named arrow: under tsx a named one costs a property definition per write.
        const write = (value as (...a: unknown[]) => Promise<unknown>).bind(target, ...args);
        // Only inside a trace (a turn, a traced request): a write of its own would be a one-span trace.
        const parent = tracing.enabled ? traceOfWrite(key, args) : undefined;
        const traced = parent
          ? inSpan(
              `store ${key}`,
              { kind: SpanKind.CLIENT, parent, attributes: { 'db.system.name': name, 'db.operation.name': key } },
              write,
            )
          : write();
        return traced.finally(() =>
          instruments.storeWriteDuration.observe({ store: name, operation: key }, secondsSince(start)),
        );
      };
      wrappers.set(key, wrapper);
      return wrapper;
    },
  });
}

/**
 * The trace a write belongs to: the active one (a traced request writing synchronously), else
 * the turn of the session it writes (a turn's writes happen after awaits, where nothing is active).
 */
function traceOfWrite(method: string, args: unknown[]): Context | undefined {
  if (trace.getActiveSpan()) return context.active();
  const sessionId =
    method === 'putSession'
      ? (args[0] as { info?: { id?: unknown } } | undefined)?.info?.id
      : method === 'deleteSession'
        ? args[1]
        : undefined;
  return typeof sessionId === 'string' ? sessionTrace(sessionId) : undefined;
}
