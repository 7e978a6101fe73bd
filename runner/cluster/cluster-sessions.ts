import { randomUUID } from 'node:crypto';
import type { MessageEvent, ServerEventName, ServerEvents, SessionInfo } from '../../schemas/protocol.ts';
import { AppError, notFound } from '../errors.ts';
import { canAccess } from '../sessions/access.ts';
import { checkSessionId } from '../sessions/session-checks.ts';
import type { Caller, CreateOptions, SessionListener, Sessions } from '../sessions/types.ts';
import { currentTraceCarrier } from '../telemetry/propagation.ts';
import type { Store } from '../store/types.ts';
import type { ClusterNode } from './cluster-node.ts';
import type { OwnedSession } from './lease.ts';
import { EventRelays } from './event-relays.ts';
import { OwnerInbox } from './owner-inbox.ts';
import { eventLoopLoad, type LoopLoad } from './loop-load.ts';
import {
  runOwnerOp,
  type BareCall,
  type OwnerCall,
  type OwnerOp,
  type OwnerOpArgs,
  type OwnerOpResult,
} from './owner-ops.ts';
import { pickLeastLoaded } from './placement.ts';
import { RoomSharing } from './room-sharing.ts';

/** The session manager of this process. */
export interface LocalSessions extends Sessions {
  /**
   * Drops a session from memory without writing it: another process owns it now. Without it a
   * stale copy still leaves on its own (its writes are fenced off, and a quiet session nobody
   * listens to is paged out), only later.
   */
  evict?(id: string): Promise<void>;
}

/**
 * The store as the cluster reads it: besides the Store, whether a session exists and its summary,
 * without loading its transcript (RedisStore, PostgresStore).
 */
export interface ClusterStore extends Store {
  hasSession(tenant: string, id: string): Promise<boolean>;
  getSessionInfo(tenant: string, id: string): Promise<SessionInfo | undefined>;
}

export type RoomEmitter = <E extends ServerEventName>(
  tenant: string,
  sessionId: string,
  event: E,
  payload: ServerEvents[E],
) => void;

const MAX_ROUTING_ATTEMPTS = 3;
/** A process moves idle sessions away once it owns this much more than the average. */
const REBALANCE_ABOVE = 1.2;
const REBALANCE_EVERY_MS = 5000;

/**
 * Sessions across processes. Each session has one owner (the lease holder), where its agents run
 * and its state is written with the lease's fencing token. An operation on a session owned
 * elsewhere travels to the owner through Redis and its answer comes back the same way; a session
 * nobody owns (new, or its owner died) is taken by the process that touches it first. Reads of a
 * session owned elsewhere come from the store, so they never load it here.
 *
 * The owner emits the session's events to its Socket.IO room; the Redis adapter carries them to
 * clients connected to any process.
 */
export class ClusterSessions implements Sessions {
  /** Set by the server once Socket.IO is up. */
  emitToRoom: RoomEmitter | undefined;
  /** Rooms only this process's sockets can be in (see RoomSharing). */
  private readonly rooms = new RoomSharing();
  private readonly relays: EventRelays;
  private readonly inbox: OwnerInbox;
  private leaving = false;
  private rebalancer: NodeJS.Timeout | undefined;

  constructor(
    private readonly local: LocalSessions,
    private readonly store: ClusterStore,
    readonly node: ClusterNode,
    /** How busy this process's event loop is; members that share one process (tests) share it too. */
    private readonly loop: LoopLoad = eventLoopLoad(),
  ) {
    this.relays = new EventRelays(local, node, () => this.emitToRoom);
    this.inbox = new OwnerInbox({
      local,
      node,
      leaving: () => this.leaving,
      owns: (id) => this.owns(id),
      mayAccess: (caller, id) => this.mayAccess(caller, id),
      takeIfFree: (caller, id) => this.takeIfFree(caller, id),
      createHere: (caller, options) => this.createHere(caller, options),
      adopt: (session) => this.adopt(session),
      runHere: (op, call) => this.runHere(op, call),
      share: (id) => this.rooms.share(id),
      watch: (id) => this.relays.watch(id),
    });
  }

  async start(): Promise<void> {
    await this.node.start({
      handle: (entry) => this.inbox.handle(entry),
      lost: (session) => void this.drop(session.sessionId).then(() => this.reclaim(session)),
      takenOver: (session) => this.adopt(session),
      sample: () => ({ ...pickLoad(this.local.stats()), ...this.loop.sample() }),
    });
    this.rebalancer = setInterval(() => void this.rebalance().catch(() => undefined), REBALANCE_EVERY_MS);
    this.rebalancer.unref();
  }

  /**
   * Moves idle sessions to the least-loaded peers while this process owns clearly more than its
   * share (placement only steers new sessions). Returns how many moved.
   */
  async rebalance(): Promise<number> {
    if (this.leaving) return 0;
    const loads = await this.node.placement.list();
    const mine = loads.find((l) => l.id === this.node.id);
    const peers = loads.filter((l) => l.id !== this.node.id);
    if (!mine || !peers.length) return 0;
    const average = loads.reduce((n, l) => n + l.ownedSessions, 0) / loads.length;
    if (mine.ownedSessions <= average * REBALANCE_ABOVE) return 0;
    let excess = Math.floor(mine.ownedSessions - average);
    let moved = 0;
    for (const session of this.node.leases.sessions()) {
      if (excess <= 0 || this.leaving) break;
      const info = await this.local.get({ tenant: session.tenant }, session.sessionId).catch(() => undefined);
      if (info?.state !== 'idle') continue;
      const target = pickLeastLoaded(peers)!;
      // A message accepted meanwhile is safe: it is in the stored record, and the new owner runs it.
      await this.handOver(session, target.id);
      target.ownedSessions += 1;
      excess -= 1;
      moved += 1;
    }
    return moved;
  }

  // ───────────── placement ─────────────

  async create(caller: Caller, options: CreateOptions): Promise<SessionInfo> {
    const target = this.leaving ? undefined : await this.node.placement.choose();
    if (!target || target.id === this.node.id) return this.createHere(caller, options);
    try {
      const info = (await this.node.call(target.id, '', 'create', { caller, options })) as SessionInfo;
      this.rooms.placed(info);
      return info;
    } catch (error) {
      if (error instanceof AppError && error.status < 500) throw error;
      return this.createHere(caller, options); // the chosen process did not answer: keep it here
    }
  }

  private async createHere(caller: Caller, options: CreateOptions): Promise<SessionInfo> {
    const info = await this.local.create(caller, options);
    const session = { tenant: info.tenant, sessionId: info.id };
    await this.node.leases.acquire(session);
    await this.adopt(session);
    this.rooms.created(info);
    return { ...info, owner: this.node.id };
  }

  /**
   * Sockets of this process joined these rooms. One that joins a session this process just had
   * created elsewhere (`session:create` placed it) did not ask its owner anything: the owner is
   * told before the join completes, so it sends the session's events across from then on.
   */
  joined(rooms: Iterable<string>): Promise<void> | undefined {
    const tell = this.rooms.joined(rooms);
    if (!tell.length) return undefined;
    const args = ({ tenant, sessionId }: { tenant: string; sessionId: string }): BareCall => ({
      caller: { tenant },
      id: sessionId,
      args: [],
    });
    return Promise.all(tell.map((placed) => this.node.callOwner(placed.sessionId, 'share', args(placed)))).then(
      () => undefined,
    );
  }

  /** Whether no socket outside this process can be in this room (see RoomSharing). */
  isUnsharedRoom(room: string): boolean {
    return this.rooms.isUnshared(room);
  }

  // ───────────── reads: from the owner (it holds what is not persisted yet), else the store ─────────────

  async get(caller: Caller, id: string): Promise<SessionInfo> {
    checkSessionId(id);
    if (this.owns(id)) return this.runHere('get', { caller, id, args: [] });
    const remote = await this.node.callOwner(id, 'get', { caller, id, args: [] } satisfies OwnerCall<'get'>);
    if (remote) return remote.value as SessionInfo;
    const record = await this.store.getSession(caller.tenant, id);
    if (!record || !canAccess(caller, record.info)) throw notFound('session', id);
    return record.info;
  }

  list(caller: Caller, filter?: { graphId?: string; state?: string; user?: string }): Promise<SessionInfo[]> {
    return this.local.list(caller, filter);
  }

  async transcript(caller: Caller, id: string, options: { afterMessageId?: string } = {}): Promise<MessageEvent[]> {
    checkSessionId(id);
    if (this.owns(id)) return this.runHere('transcript', { caller, id, args: [options] });
    const remote = await this.node.callOwner(id, 'transcript', {
      caller,
      id,
      args: [options],
    } satisfies OwnerCall<'transcript'>);
    if (remote) return remote.value as MessageEvent[];
    const record = await this.store.getSession(caller.tenant, id);
    if (!record || !canAccess(caller, record.info)) throw notFound('session', id);
    const after =
      options.afterMessageId === undefined ? -1 : record.transcript.findIndex((m) => m.id === options.afterMessageId);
    return record.transcript.slice(after + 1);
  }

  // ───────────── operations: run by the owner ─────────────

  send(
    caller: Caller,
    id: string,
    message: { content: string; messageId?: string },
  ): Promise<{ messageId: string; turnId: string }> {
    // The id is fixed here, so a redelivery after a crash is recognised as the same message.
    // The caller's trace context travels with the message, so the owner's turn continues the trace.
    return this.routed('send', {
      caller,
      id,
      args: [{ ...message, messageId: message.messageId ?? randomUUID() }],
      trace: currentTraceCarrier(),
    });
  }
  readonly settled = this.forwarded('settled');
  readonly reply = this.forwarded('reply');
  readonly pause = this.forwarded('pause');
  readonly resume = this.forwarded('resume');
  readonly abort = this.forwarded('abort');
  readonly close = this.forwarded('close');
  readonly delete = this.forwarded('delete');

  /**
   * Live events of a session, for in-process consumers (the OpenAI endpoint; sockets get theirs
   * through the room the owner emits to). A session owned elsewhere is watched over Redis pub/sub:
   * its owner publishes the events of watched sessions only, so unwatched ones cost nothing.
   */
  async subscribe(caller: Caller, id: string, listener: SessionListener): Promise<() => void> {
    checkSessionId(id);
    for (let attempt = 0; attempt < MAX_ROUTING_ATTEMPTS; attempt++) {
      if (this.owns(id) || (await this.takeIfFree(caller, id))) return this.local.subscribe(caller, id, listener);
      // Checked before watching: events published while the owner checks must not reach a foreign caller.
      if (!(await this.mayAccess(caller, id))) throw notFound('session', id);
      const stop = await this.node.watch(id, listener as (event: string, payload: unknown) => void);
      const watching = await this.node
        .callOwner(id, 'watch', { caller, id, args: [] } satisfies BareCall)
        .catch(async (error: unknown) => {
          await stop();
          throw error;
        });
      // Unsubscribing is fire-and-forget for callers: a Redis hiccup then must not surface.
      if (watching) return () => void stop().catch(() => undefined);
      await stop();
    }
    throw new AppError(
      'unavailable',
      503,
      `session "${id}" changed owner ${MAX_ROUTING_ATTEMPTS} times during one request; retry`,
    );
  }

  stats(): { liveSessions: number; instances: number; queueDepth: number } {
    return this.local.stats();
  }

  /** Graceful leave: checkpoint everything, hand each session to a live peer, go. */
  async shutdown(): Promise<void> {
    if (this.leaving) return;
    this.leaving = true;
    await this.node.leave(async (sessions) => {
      await this.local.shutdown();
      const peers = (await this.node.placement.list()).filter((p) => p.id !== this.node.id);
      for (const session of sessions) {
        const target = pickLeastLoaded(peers);
        await this.handOver(session, target?.id); // none: last one out, the sessions wait in the store
        if (target) target.ownedSessions += 1;
      }
    });
    clearInterval(this.rebalancer);
    this.loop.stop();
  }

  // ───────────── ownership ─────────────

  private owns(id: string): boolean {
    return this.node.leases.token(id) !== undefined;
  }

  /** An operation that runs where the session lives, as a Sessions method. */
  private forwarded<K extends OwnerOp>(
    op: K,
  ): (caller: Caller, id: string, ...args: OwnerOpArgs<K>) => Promise<OwnerOpResult<K>> {
    return (caller, id, ...args) => this.routed(op, { caller, id, args });
  }

  private async routed<K extends OwnerOp>(op: K, call: OwnerCall<K>): Promise<OwnerOpResult<K>> {
    const { caller, id } = call;
    checkSessionId(id);
    for (let attempt = 0; attempt < MAX_ROUTING_ATTEMPTS; attempt++) {
      if (this.owns(id)) return this.runHere(op, call);
      const remote = await this.node.callOwner(id, op, call);
      // The owner answers a void operation with null: JSON has no undefined.
      if (remote) return (remote.value ?? undefined) as OwnerOpResult<K>;
      if (await this.takeIfFree(caller, id)) return this.runHere(op, call);
    }
    throw new AppError(
      'unavailable',
      503,
      `session "${id}" changed owner ${MAX_ROUTING_ATTEMPTS} times during one request; retry`,
    );
  }

  private async mayAccess(caller: Caller, id: string): Promise<boolean> {
    const info = await this.store.getSessionInfo(caller.tenant, id);
    return info !== undefined && canAccess(caller, info);
  }

  /** Takes a session nobody owns; false when another process holds it. */
  private async takeIfFree(caller: Caller, id: string): Promise<boolean> {
    if (this.leaving) return false;
    if (!(await this.store.hasSession(caller.tenant, id))) throw notFound('session', id);
    const taken = await this.node.leases.acquire({ tenant: caller.tenant, sessionId: id });
    if (!taken.acquired) return false;
    await this.adopt({ tenant: caller.tenant, sessionId: id });
    return true;
  }

  /** Loads a session this process now owns (resuming an interrupted turn) and relays its events. */
  private adopt(session: OwnedSession): Promise<void> {
    return this.relays.start(session);
  }

  /** Gives a session up (its state is in the store) and tells `target` to take it. */
  private async handOver(session: OwnedSession, target: string | undefined): Promise<void> {
    await this.unrelay(session.sessionId);
    await this.local.evict?.(session.sessionId);
    await this.node.leases.release(session.sessionId);
    if (target)
      await this.node.inbox.post(target, {
        sessionId: session.sessionId,
        kind: 'adopt',
        body: { tenant: session.tenant },
      });
  }

  private async unrelay(id: string): Promise<void> {
    this.rooms.share(id);
    await this.relays.stop(id);
  }

  /** The lease was lost: whatever this process holds of the session is stale. */
  private async drop(id: string): Promise<void> {
    await this.unrelay(id);
    await this.local.evict?.(id);
  }

  /**
   * Takes a lost session back when nobody else took it: its lease lapsed with Redis (flushed or
   * restarted) or while this process was too slow to renew. Reloading it from the store resumes
   * the turn the drop interrupted. A session that is gone (Redis alone, flushed) stays gone.
   */
  private async reclaim(session: OwnedSession): Promise<void> {
    await this.takeIfFree({ tenant: session.tenant }, session.sessionId).catch(() => false);
  }

  private async runHere<K extends OwnerOp>(op: K, call: OwnerCall<K>): Promise<OwnerOpResult<K>> {
    const value = await runOwnerOp(this.local, op, call);
    if (op === 'get') return { ...(value as SessionInfo), owner: this.node.id } as OwnerOpResult<K>;
    if (op === 'delete') {
      await this.unrelay(call.id);
      await this.node.leases.release(call.id);
    }
    return value;
  }
}

function pickLoad(stats: { liveSessions: number; queueDepth: number }) {
  return { liveSessions: stats.liveSessions, queueDepth: stats.queueDepth };
}
