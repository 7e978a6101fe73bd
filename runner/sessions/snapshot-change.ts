/**
 * What changed from one snapshot to the next, found by identity rather than by value. Snapshots are
 * values their makers replace and never change, and the next one shares what did not change: an
 * assistant's history is a new array holding the same message objects, shifted and grown at its
 * end. A store can then write the change (a few hundred bytes) instead of the whole snapshot again.
 *
 * A change is JSON: `{ "=": value }` replaces a value; `{ "k": { key: change }, "d": [keys] }`
 * changes an object's keys and drops some; `{ "a": n, "p": [values] }` drops an array's first n
 * items and appends values. Anything else (an array changed in the middle, a value of another
 * type) is replaced whole.
 */
export type SnapshotChange =
  { '=': unknown } | { k: Record<string, SnapshotChange>; d?: string[] } | { a: number; p: unknown[] };

/** The change from `before` to `after`; undefined when they are the same. */
export function changeOf(before: unknown, after: unknown): SnapshotChange | undefined {
  if (before === after) return undefined;
  if (Array.isArray(before) && Array.isArray(after)) return arrayChange(before, after);
  if (isObject(before) && isObject(after)) return objectChange(before, after);
  return { '=': after };
}

/** `value` with `change` applied; the parts it does not touch are kept, not copied. */
export function applyChange(value: unknown, change: SnapshotChange): unknown {
  if ('=' in change) return change['='];
  if ('a' in change) {
    if (!Array.isArray(value))
      throw new TypeError('a snapshot change shifts an array where the stored snapshot has none');
    return value.slice(change.a).concat(change.p);
  }
  if (!isObject(value)) throw new TypeError('a snapshot change updates an object where the stored snapshot has none');
  const next: Record<string, unknown> = { ...value };
  for (const key of change.d ?? []) delete next[key];
  for (const [key, inner] of Object.entries(change.k)) define(next, key, applyChange(own(next, key), inner));
  return next;
}

function objectChange(before: Record<string, unknown>, after: Record<string, unknown>): SnapshotChange | undefined {
  let keys: Record<string, SnapshotChange> | undefined;
  let dropped: string[] | undefined;
  for (const key of Object.keys(after)) {
    // As in JSON, a key holding undefined is no key at all.
    if (after[key] === undefined) continue;
    const was = own(before, key);
    const inner = was === undefined ? { '=': after[key] } : changeOf(was, after[key]);
    if (inner) define((keys ??= {}), key, inner);
  }
  for (const key of Object.keys(before))
    if (before[key] !== undefined && own(after, key) === undefined) (dropped ??= []).push(key);
  if (!keys && !dropped) return undefined;
  return dropped ? { k: keys ?? {}, d: dropped } : { k: keys! };
}

/** The window moved on: the items `after` keeps are the same objects at the end of `before`. */
function arrayChange(before: unknown[], after: unknown[]): SnapshotChange | undefined {
  // Where the kept items start in `before`: the first place its tail matches `after`'s head.
  for (
    let start = after.length ? before.indexOf(after[0]) : before.length;
    start >= 0 && start <= before.length;
    start = before.indexOf(after[0], start + 1)
  ) {
    const kept = before.length - start;
    if (kept > after.length) continue;
    let same = true;
    for (let i = 1; i < kept && same; i++) same = before[start + i] === after[i];
    if (!same) continue;
    if (start === 0 && kept === after.length) return undefined;
    // Dropping everything is no cheaper than saying what the array now is.
    return kept === 0 ? { '=': after } : { a: start, p: after.slice(kept) };
  }
  return { '=': after };
}

// A key named "__proto__" or "constructor" is data here, as it is in JSON: read and written as an own property.
function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function define(object: Record<string, unknown>, key: string, value: unknown): void {
  // Only "__proto__" has a setter on Object.prototype; defining every key would cost each write.
  if (key === '__proto__')
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
