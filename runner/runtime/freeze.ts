/**
 * Deep-freezes a message in place so every recipient can share it safely: one walk per publish
 * instead of one clone per recipient. The publisher's object becomes read-only too, so publish a
 * fresh object (or a copy) of anything an agent keeps mutating.
 *
 * Messages are plain data (objects, arrays, primitives; class instances are frozen like objects)
 * because they are also snapshotted and stored. Values whose contents Object.freeze cannot
 * protect (Map, Set, Date, buffers, typed arrays, promises, functions) are rejected with the path
 * that holds them.
 */
export function deepFreeze<T>(message: T): T {
  if (typeof message === 'function') throw new MessageShapeError('a function', []);
  if (typeof message === 'object' && message !== null) {
    try {
      freezeObject(message, 0);
    } catch (error) {
      if (error instanceof MessageShapeError) error.finish();
      throw error;
    }
  }
  return message;
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
  finish(): void {
    const at = '$' + this.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
    this.message = `message is not plain data: ${this.found} at ${at}`;
  }
}

function freezeObject(o: object, depth: number): void {
  if (depth > MAX_DEPTH) throw new MessageShapeError(`nesting deeper than ${MAX_DEPTH} levels (a cycle?)`, []);
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) freezeChild(o[i], i, depth);
  } else {
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) rejectUnfreezable(o);
    for (const key in o) freezeChild((o as Record<string, unknown>)[key], key, depth);
  }
  Object.freeze(o);
}

function freezeChild(value: unknown, at: string | number, depth: number): void {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function') throw new MessageShapeError('a function', [at]);
    return;
  }
  try {
    freezeObject(value, depth + 1);
  } catch (error) {
    if (error instanceof MessageShapeError) error.path.unshift(at);
    throw error;
  }
}

function rejectUnfreezable(o: object): void {
  const kind =
    o instanceof Map ? 'a Map'
    : o instanceof Set ? 'a Set'
    : o instanceof WeakMap || o instanceof WeakSet ? 'a weak collection'
    : o instanceof Date ? 'a Date'
    : o instanceof Promise ? 'a Promise'
    : o instanceof ArrayBuffer || ArrayBuffer.isView(o) ? 'a binary buffer'
    : typeof SharedArrayBuffer !== 'undefined' && o instanceof SharedArrayBuffer ? 'a binary buffer'
    : null;
  if (kind !== null) throw new MessageShapeError(kind, []);
}
