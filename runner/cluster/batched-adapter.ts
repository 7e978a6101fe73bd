import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { MessageType } from 'socket.io-adapter';

type AdapterFactory = ReturnType<typeof createAdapter>;
type StreamsAdapter = ReturnType<AdapterFactory>;
interface Broadcast {
  packet: { data: unknown[] };
  opts: { rooms: string[]; except: string[] };
}
interface ClusterMessage {
  uid: string;
  nsp: string;
  type: number;
  data?: unknown;
}
interface RawEntry {
  uid: string;
  nsp: string;
  type: string;
  data?: string;
}
interface Recovered {
  rooms: string[];
  missedPackets: unknown[][];
}
interface Internals {
  rooms: Map<string, Set<string>>;
  broadcast(
    packet: Broadcast['packet'],
    opts: { rooms: Set<string>; except: Set<string>; flags?: { local?: boolean } },
  ): Promise<void>;
  publishAndReturnOffset(message: Omit<ClusterMessage, 'uid' | 'nsp'>): Promise<string>;
  doPublish(message: ClusterMessage): Promise<string>;
  onRawMessage(raw: RawEntry, offset: string): void;
  onMessage(message: ClusterMessage, offset: string): void;
  restoreSession(pid: string, offset: string): Promise<Recovered>;
  persistSession(session: { rooms: string[] }): void;
  addAll(id: string, rooms: Set<string>): void | Promise<void>;
}

export interface RoomReach {
  /** No socket outside this process can be in this room: its events need not leave the process. */
  unshared(room: string): boolean;
  /** A socket here joined these rooms; the join completes when this settles. */
  joined(rooms: Set<string>): Promise<void> | undefined;
}

/** Stream entries of this type hold every broadcast one process made in one flush, in order. */
const BATCH = '100';
/** An offset inside a batch: the entry's id, then the index of the event within it (the last event has the bare id). */
const INNER_OFFSET = /^(\d+-\d+)\.(\d+)$/;
const RESTORE_MAX_READS = 100;

/**
 * The Redis Streams adapter with one XADD per flush instead of one per event: broadcasts made while
 * a write is in flight (or within one tick) go out together as one stream entry, which every other
 * process then reads with one XREAD. Each event keeps an offset of its own (`<entry id>.<index>`,
 * the last one the bare entry id), so connection-state recovery resumes exactly after the last
 * event a client got, on any process. An event for rooms that have no socket in a process is not
 * encoded for sockets there: the sender only publishes it, a receiver skips it. With `reach`, an
 * event for rooms nobody outside the process can be in stays in the process (dropped when nobody
 * in it is either); it is not in the stream, so a socket in such a room is not restored after a
 * disconnection: it reconnects afresh and rejoins, as with one process.
 */
export function createBatchedAdapter(
  client: Redis,
  options: NonNullable<Parameters<typeof createAdapter>[1]> & { streamName: string; reach?: RoomReach },
): AdapterFactory {
  const factory = createAdapter(client, options);
  // Socket.IO calls the factory with `new`, so a function, not an arrow.
  return function (nsp: Parameters<AdapterFactory>[0]) {
    return batched(factory(nsp), client, options.streamName, options.reach);
  } as AdapterFactory;
}

function batched(adapter: StreamsAdapter, client: Redis, stream: string, reach: RoomReach | undefined): StreamsAdapter {
  const self = adapter as unknown as Internals & { uid: string; nsp: { name: string } };
  const publish = self.doPublish.bind(self);
  const broadcast = self.broadcast.bind(self);
  const onRawMessage = self.onRawMessage.bind(self);
  const restoreSession = self.restoreSession.bind(self);
  const persistSession = self.persistSession.bind(self);
  const addAll = self.addAll.bind(self);
  let pending: { data: Broadcast; resolve: (offset: string) => void; reject: (e: unknown) => void }[] = [];
  let flushing = false;

  const flush = async () => {
    flushing = true;
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        const id = await publish({
          uid: self.uid,
          nsp: self.nsp.name,
          type: Number(BATCH),
          data: { batch: batch.map((b) => b.data) },
        });
        batch.forEach((b, i) => b.resolve(offsetOf(id, i, batch.length)));
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    flushing = false;
  };

  self.doPublish = (message) => {
    const data = message.data as (Broadcast & { requestId?: string }) | undefined;
    if (message.type !== MessageType.BROADCAST || !data || data.requestId !== undefined) return publish(message);
    return new Promise<string>((resolve, reject) => {
      pending.push({ data, resolve, reject });
      if (!flushing && pending.length === 1) setImmediate(() => void flush());
    });
  };

  /** Whether a broadcast to these rooms (none: everyone) can reach a socket of this process. */
  const reachesHere = (rooms: Iterable<string>) => {
    let none = true;
    for (const room of rooms) {
      if (self.rooms.has(room)) return true;
      none = false;
    }
    return none;
  };

  const unshared = (rooms: Iterable<string>) => {
    if (!reach) return false;
    let none = true;
    for (const room of rooms) {
      if (!reach.unshared(room)) return false;
      none = false;
    }
    return !none;
  };

  self.broadcast = async (packet, opts) => {
    if (opts.flags?.local) return broadcast(packet, opts);
    const here = reachesHere(opts.rooms);
    if (unshared(opts.rooms))
      return here ? broadcast(packet, { ...opts, flags: { ...opts.flags, local: true } }) : undefined;
    if (here) return broadcast(packet, opts);
    // What the stock broadcast does, less encoding the packet for the sockets here (there are none).
    await self
      .publishAndReturnOffset({
        type: MessageType.BROADCAST,
        data: { packet, opts: { rooms: [...opts.rooms], except: [...opts.except], flags: opts.flags } },
      })
      .catch(() => undefined);
  };

  self.addAll = (id, rooms) => {
    addAll(id, rooms);
    return reach?.joined(rooms);
  };

  self.persistSession = (session) => {
    // Not every event it was sent is in the stream: restoring it would replay some, not all.
    if (reach && session.rooms.some((room) => reach.unshared(room))) return;
    persistSession(session);
  };

  self.onRawMessage = (raw, offset) => {
    if (raw.type !== BATCH) return onRawMessage(raw, offset);
    if (raw.uid === self.uid) return;
    const events = parseBatch(raw);
    events.forEach((data, i) => {
      if (reachesHere(data.opts.rooms))
        self.onMessage(
          { uid: raw.uid, nsp: raw.nsp, type: MessageType.BROADCAST, data },
          offsetOf(offset, i, events.length),
        );
    });
  };

  self.restoreSession = async (pid, offset) => {
    const inner = INNER_OFFSET.exec(offset);
    const entryId = inner ? inner[1] : offset;
    // The stock restore takes the saved session (once) and checks the entry still exists; the missed events are ours to collect.
    const session = await restoreSession(pid, entryId);
    session.missedPackets = [];
    const collect = (entryOffset: string, fields: string[], from: number) => {
      const raw = entryOf(fields);
      if (raw.type !== BATCH || raw.nsp !== self.nsp.name) return;
      const events = parseBatch(raw);
      for (let i = from; i < events.length; i++) {
        if (!reaches(session.rooms, events[i].opts)) continue;
        const packet = events[i].packet;
        packet.data.push(offsetOf(entryOffset, i, events.length));
        session.missedPackets.push(packet.data);
      }
    };
    if (inner)
      for (const [id, fields] of await client.xrange(stream, entryId, entryId))
        collect(id, fields, Number(inner[2]) + 1);
    let after = entryId;
    for (let reads = 0; reads < RESTORE_MAX_READS; reads++) {
      const entries = await client.xrange(stream, `(${after}`, '+', 'COUNT', 1000);
      if (entries.length === 0) break;
      for (const [id, fields] of entries) {
        collect(id, fields, 0);
        after = id;
      }
    }
    return session;
  };

  return adapter;
}

const offsetOf = (entryId: string, index: number, size: number) =>
  index === size - 1 ? entryId : `${entryId}.${index}`;

function entryOf(fields: string[]): RawEntry {
  const entry: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) entry[fields[i]] = fields[i + 1];
  return entry as unknown as RawEntry;
}

function parseBatch(raw: RawEntry): Broadcast[] {
  try {
    return (JSON.parse(raw.data ?? '{}') as { batch?: Broadcast[] }).batch ?? [];
  } catch {
    return [];
  }
}

/** The stock adapter's rule: a missed event is replayed when it went to one of the socket's rooms and none it was excluded from. */
function reaches(rooms: string[], opts: Broadcast['opts']): boolean {
  const included = opts.rooms.length === 0 || rooms.some((room) => opts.rooms.includes(room));
  return included && rooms.every((room) => !opts.except.includes(room));
}
