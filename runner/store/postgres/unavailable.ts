import { AppError } from '../../errors.ts';

/** postgres.js's and Node's codes for a connection that is gone, or never came. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);
/**
 * SQLSTATE classes that say the database cannot do it now, not that the request is wrong:
 * 08 connection exception, 40 transaction rollback (deadlock, serialization), 53 insufficient
 * resources, 57 operator intervention (shutdown, terminated backend, statement timeout).
 */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57']);

/**
 * A failure of the database rather than of the request, as the store's `store_unavailable` (503)
 * naming what failed and why, so a client knows to send again; anything else is left as it is.
 */
export function unavailable(what: string, error: unknown): unknown {
  if (error instanceof AppError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  if (!CONNECTION_CODES.has(code) && !TRANSIENT_CLASSES.has(code.slice(0, 2))) return error;
  return new AppError('store_unavailable', 503, `could not ${what}: PostgreSQL: ${(error as Error).message}`, {
    cause: code,
  });
}

/**
 * The store with every method's database failure turned into `store_unavailable` (see
 * `unavailable`), so no caller, whichever read or write it makes, reports a dropped connection
 * or a restarting database as an internal error.
 */
export function mappingUnavailable<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        return result instanceof Promise
          ? result.catch((error: unknown) => Promise.reject(unavailable(`run ${prop}`, error)))
          : result;
      };
    },
  });
}
