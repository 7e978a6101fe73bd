import fc from 'fast-check';

/** Edits to generate snapshots from, the way agents change theirs (property tests). */

/** One edit an agent makes to its state: a value, an array's window, a key added or dropped. */
export type Edit =
  | { kind: 'leaf'; path: number[]; value: unknown }
  | { kind: 'window'; path: number[]; drop: number; add: unknown[] }
  | { kind: 'key'; path: number[]; name: string; value: unknown }
  | { kind: 'drop'; path: number[] };

/** Copy on write along a path, as agents do: what the edit does not touch stays the same object. */
export function edit(value: unknown, e: Edit, depth = 0): unknown {
  const here = depth === e.path.length || typeof value !== 'object' || value === null;
  if (Array.isArray(value)) {
    if (here && e.kind === 'window') return value.slice(Math.min(e.drop, value.length)).concat(e.add);
    if (here || value.length === 0) return e.kind === 'leaf' ? e.value : value;
    const i = e.path[depth]! % value.length;
    const next = value.slice();
    next[i] = edit(value[i], e, depth + 1);
    return next;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (here && e.kind === 'key') return { ...value, [e.name]: e.value };
    if (here && e.kind === 'drop' && keys.length) {
      const { [keys[0]!]: _gone, ...rest } = value as Record<string, unknown>;
      return rest;
    }
    if (here || keys.length === 0) return e.kind === 'leaf' ? e.value : value;
    const key = keys[e.path[depth]! % keys.length]!;
    return { ...value, [key]: edit((value as Record<string, unknown>)[key], e, depth + 1) };
  }
  return e.kind === 'leaf' ? e.value : value;
}

const path = fc.array(fc.nat(8), { maxLength: 4 });
export const anEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('leaf' as const), path, value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({
    kind: fc.constant('window' as const),
    path,
    drop: fc.nat(4),
    add: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant('key' as const),
    path,
    name: fc.constantFrom('a', 'b', 'history', '__proto__', 'constructor'),
    value: fc.jsonValue({ maxDepth: 1 }),
  }),
  fc.record({ kind: fc.constant('drop' as const), path }),
);
