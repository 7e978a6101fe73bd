/**
 * Copies a message as if it went over the wire: recipients never share an object with the
 * publisher or with each other, and the publisher's object stays untouched. A copy of small
 * plain data is far cheaper than Object.freeze (a runtime call per object, ~150 ns), which is
 * what decides it for the common one-recipient publish.
 *
 * Messages are plain data (objects, arrays, primitives) because they are also snapshotted and
 * stored; anything else (class instances, Map, Set, Date, buffers, functions) is rejected with
 * the path that holds it.
 */
export function copyMessage<T>(message: T): T {
  if (typeof message !== 'object' || message === null) {
    if (typeof message === 'function') throw new MessageShapeError('a function', []).finish();
    return message;
  }
  try {
    return copyObject(message, 0) as T;
  } catch (error) {
    if (error instanceof MessageShapeError) error.finish();
    throw error;
  }
}

/** Deep enough for any real message; deeper is most likely a cycle. */
const MAX_DEPTH = 100;

export class MessageShapeError extends TypeError {
  constructor(
    private readonly found: string,
    readonly path: Array<string | number>,
  ) {
    super(found);
    this.name = 'MessageShapeError';
  }

  /** Sets the message once the path is complete (it is built while the walk unwinds). */
  finish(): this {
    const at = '$' + this.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
    this.message = `message is not plain data: ${this.found} at ${at}`;
    return this;
  }
}

function copyObject(o: object, depth: number): object {
  if (depth > MAX_DEPTH) throw new MessageShapeError(`nesting deeper than ${MAX_DEPTH} levels (a cycle?)`, []);
  if (Array.isArray(o)) {
    const copy = o.slice();
    for (let i = 0; i < copy.length; i++) {
      const value: unknown = copy[i];
      if (typeof value === 'object' && value !== null) copy[i] = copyChild(value, i, depth);
      else if (typeof value === 'function') throw new MessageShapeError('a function', [i]);
    }
    return copy;
  }
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) throw new MessageShapeError(describe(o), []);
  // Spread copies own enumerable data in one fast step (and defines "__proto__" as a plain key).
  const copy: Record<string, unknown> = { ...o };
  for (const key in copy) {
    const value = copy[key];
    if (typeof value === 'object' && value !== null) {
      // Assigning "__proto__" would set the prototype: define it as the own key it was.
      if (key === '__proto__')
        Object.defineProperty(copy, key, {
          value: copyChild(value, key, depth),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else copy[key] = copyChild(value, key, depth);
    } else if (typeof value === 'function') {
      throw new MessageShapeError('a function', [key]);
    }
  }
  return copy;
}

function copyChild(value: object, at: string | number, depth: number): object {
  try {
    return copyObject(value, depth + 1);
  } catch (error) {
    if (error instanceof MessageShapeError) error.path.unshift(at);
    throw error;
  }
}

function describe(o: object): string {
  if (o instanceof Map) return 'a Map';
  if (o instanceof Set) return 'a Set';
  if (o instanceof Date) return 'a Date';
  if (o instanceof Promise) return 'a Promise';
  if (o instanceof ArrayBuffer || ArrayBuffer.isView(o)) return 'a binary buffer';
  const name = (o.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object with a custom prototype';
}
