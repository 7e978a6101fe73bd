/**
 * JSON for values that keep most of their parts from one write to the next. A deeply frozen
 * object cannot change, so its JSON is made once and kept (weakly, as long as the object lives)
 * for every later write that holds it: an agent's context window, written after every turn, is
 * mostly the same frozen messages. Everything else is written as JSON.stringify would.
 */
const cache = new WeakMap<object, string>();
const MAX_CACHED_CHARS = 4096;

export function sharedJson(value: unknown): string {
  return encode(value) ?? 'null';
}

function encode(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const cached = cache.get(value);
  if (cached !== undefined) return cached;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return encode((value as { toJSON(): unknown }).toJSON());
  if (deepFrozen(value)) {
    const json = JSON.stringify(value);
    // A large part is rare and costs as much memory again as a copy: made each time instead.
    if (json.length <= MAX_CACHED_CHARS) cache.set(value, json);
    return json;
  }
  if (Array.isArray(value)) {
    if (value.every(isPrimitive)) return JSON.stringify(value);
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i ? ',' : ''}${encode(value[i]) ?? 'null'}`;
    return `${out}]`;
  }
  let out = '{';
  for (const key of Object.keys(value)) {
    const json = encode((value as Record<string, unknown>)[key]);
    if (json !== undefined) out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${json}`;
  }
  return `${out}}`;
}

function deepFrozen(value: object): boolean {
  if (!Object.isFrozen(value)) return false;
  for (const member of Object.values(value)) {
    if (member !== null && typeof member === 'object' && !cache.has(member) && !deepFrozen(member)) return false;
  }
  return true;
}

const isPrimitive = (v: unknown) => v === null || typeof v !== 'object';
