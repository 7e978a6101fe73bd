import type { Sessions } from '../sessions/types.ts';
import type { ClusterNode } from './cluster-node.ts';
import type { RoomEmitter } from './cluster-sessions.ts';
import type { OwnedSession } from './lease.ts';

/**
 * The events of the sessions this process owns, on their way out: to the session's Socket.IO
 * room, and over Redis pub/sub to the processes that watch the session (only those: unwatched
 * sessions cost nothing). Loading a session to relay its events resumes an interrupted turn.
 */
export class EventRelays {
  private readonly relays = new Map<string, Promise<() => void>>();
  /** Owned sessions that a process elsewhere listens to. */
  private readonly watched = new Set<string>();

  constructor(
    private readonly local: Sessions,
    private readonly node: ClusterNode,
    private readonly emitToRoom: () => RoomEmitter | undefined,
  ) {}

  /** Relays a session this process now owns; on failure its lease goes, as nothing here runs it. */
  async start(session: OwnedSession): Promise<void> {
    const { tenant, sessionId } = session;
    if (this.relays.has(sessionId)) return;
    if (await this.node.hasWatchers(sessionId)) this.watched.add(sessionId);
    const relay = this.local.subscribe({ tenant }, sessionId, (event, payload) => {
      // A process paused past its lease may wake mid-turn: its events are no longer the session's.
      if (this.node.leases.token(sessionId) === undefined) return;
      this.emitToRoom()?.(tenant, sessionId, event, payload);
      if (this.watched.has(sessionId)) this.node.publishEvent(sessionId, event, payload);
    });
    this.relays.set(sessionId, relay);
    try {
      await relay;
    } catch (error) {
      this.relays.delete(sessionId);
      await this.node.leases.release(sessionId);
      throw error;
    }
  }

  /** A process elsewhere listens to the session from now on. */
  watch(id: string): void {
    this.watched.add(id);
  }

  async stop(id: string): Promise<void> {
    const relay = this.relays.get(id);
    this.relays.delete(id);
    this.watched.delete(id);
    await relay?.then(
      (unsubscribe) => unsubscribe(),
      () => undefined,
    );
  }
}
