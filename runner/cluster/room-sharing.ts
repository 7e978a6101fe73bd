import type { SessionInfo } from '../../schemas/protocol.ts';
import { roomsOf } from '../sessions/rooms.ts';

/** How long after placing a session elsewhere a socket here joining it tells the owner (`session:create` joins at once). */
const PLACED_JOIN_MS = 10_000;

/**
 * Which socket rooms of a process's sessions only its own sockets can be in, so their events
 * need not leave it (see createBatchedAdapter).
 *
 * A session created here has unshared rooms until another process asks anything about it. A
 * socket elsewhere joins a session's rooms only after its process asked the owner: `session:join`
 * reads the session first, and a socket joining a session its process just placed elsewhere
 * waits until the owner was told (see `joined`).
 */
export class RoomSharing {
  private readonly unsharedRooms = new Set<string>();
  private readonly roomsOfUnshared = new Map<string, string[]>();
  /** Rooms of sessions this process recently had created elsewhere (room → session), for `joined`. */
  private readonly placedElsewhere = new Map<string, { tenant: string; sessionId: string; at: number }>();

  /** A session created here: nobody elsewhere knows it yet. */
  created(info: SessionInfo): void {
    const rooms = roomsOf(info.tenant, info.id);
    this.roomsOfUnshared.set(info.id, rooms);
    for (const room of rooms) this.unsharedRooms.add(room);
  }

  /** Another process asked about the session: its events go across from now on. */
  share(id: string): void {
    for (const room of this.roomsOfUnshared.get(id) ?? []) this.unsharedRooms.delete(room);
    this.roomsOfUnshared.delete(id);
  }

  /** Whether no socket outside this process can be in this room. */
  isUnshared(room: string): boolean {
    return this.unsharedRooms.has(room);
  }

  /** A session this process had created elsewhere: a socket here joining it soon tells the owner first. */
  placed(info: SessionInfo): void {
    const now = Date.now();
    for (const [room, placed] of this.placedElsewhere) {
      if (placed.at > now - PLACED_JOIN_MS) break;
      this.placedElsewhere.delete(room);
    }
    for (const room of roomsOf(info.tenant, info.id))
      this.placedElsewhere.set(room, { tenant: info.tenant, sessionId: info.id, at: now });
  }

  /** Sockets here joined these rooms: the sessions placed elsewhere whose owners must be told, once each. */
  joined(rooms: Iterable<string>): Array<{ tenant: string; sessionId: string }> {
    const tell: Array<{ tenant: string; sessionId: string }> = [];
    for (const room of rooms) {
      const placed = this.placedElsewhere.get(room);
      if (!placed) continue;
      for (const r of roomsOf(placed.tenant, placed.sessionId)) this.placedElsewhere.delete(r);
      tell.push({ tenant: placed.tenant, sessionId: placed.sessionId });
    }
    return tell;
  }
}
