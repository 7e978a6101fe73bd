import { Id } from '../../schemas/ids.ts';
import { SessionId } from '../../schemas/protocol.ts';
import { invalid } from '../errors.ts';

/** Ids from URLs are checked before they reach a store: a malformed id is a 400, not a 404. */
export function graphIdParam(value: unknown): string {
  const r = Id.safeParse(value);
  if (!r.success) throw invalid(`malformed graph id: ${r.error.issues[0].message}`, { field: 'id', value });
  return r.data;
}

export function sessionIdParam(value: unknown): string {
  const r = SessionId.safeParse(value);
  if (!r.success) throw invalid('malformed session id: must be a UUID', { field: 'id', value });
  return r.data;
}

/** An optional positive integer query parameter such as ?version=3. */
export function intQuery(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1)
    throw invalid(`query parameter "${name}" must be a positive integer`, { field: name, value });
  return n;
}

export function stringQuery(name: string, value: unknown, max = 200): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > max) {
    throw invalid(`query parameter "${name}" must be one string of at most ${max} characters`, { field: name });
  }
  return value;
}
