import type {
  InputRequestEvent,
  MessageEvent,
  ServerEventName,
  ServerEvents,
  SessionInfo,
  SessionState,
  TurnEndReason,
} from '../../schemas/protocol.ts';
import type { SessionContext } from '../agents/env.ts';
import type { KeySnapshot } from '../runtime/types.ts';
import { WRITE_OVERLAP } from '../store/session-write.ts';
import type { InboxItem, SessionRecord } from '../store/types.ts';
import type { GraphVersion } from './graph-versions.ts';
import { CallLog } from './call-log.ts';
import type { Held, Sent } from './session-writer.ts';
import type { SessionListener } from './types.ts';
import { zeroUsage } from './usage.ts';

/** Enough for any client retrying after a reconnect; older ids are forgotten. */
const MAX_ACCEPTED_IDS = 100;

interface PendingInput {
  /** As it was sent, so a client that joins later can still answer it. */
  request: InputRequestEvent;
  resolve(content: string): void;
  reject(error: Error): void;
}

/** One running turn: its budget counters, timers, pause gate and open input requests. */
export class Turn {
  readonly controller = new AbortController();
  readonly startedAt = Date.now();
  readonly usage = zeroUsage();
  messages = 0;
  ended: { reason: TurnEndReason; detail?: string } | undefined;
  paused = false;
  /** Wall time left when paused; the clock stops while a person holds the turn. */
  remainingMs = 0;
  deadline = 0;
  wallTimer: NodeJS.Timeout | undefined;
  checkpointTimer: NodeJS.Timeout | undefined;
  readonly inputs = new Map<string, PendingInput>();
  private held: Array<() => void> = [];
  /** Agents keeping the turn open past runtime idle (an aggregator waiting for its timeout). */
  private holds = 0;
  private holdWaiters: Array<() => void> = [];

  constructor(readonly item: InboxItem) {}

  get id(): string {
    return this.item.turnId;
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Keeps a message until the turn resumes or ends. */
  hold(release: () => void): void {
    this.held.push(release);
  }

  /** Keeps the turn from completing until the returned function is called (once). */
  holdOpen(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0) this.wakeHoldWaiters();
    };
  }

  get heldOpen(): boolean {
    return this.holds > 0;
  }

  /** Resolves when no agent holds the turn open any more, or the turn ended. */
  holdsReleased(): Promise<void> {
    if (this.holds === 0 || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.holdWaiters.push(resolve));
  }

  wakeHoldWaiters(): void {
    const waiters = this.holdWaiters;
    this.holdWaiters = [];
    for (const wake of waiters) wake();
  }

  releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const release of held) release();
  }

  /**
   * Ends the turn where it stands: its timers stop, its signal aborts with `error()` (unless it
   * completed), its open input requests are rejected with it, and its held messages and hold
   * waiters go on. `error` is called only when someone gets the error: capturing a stack costs
   * more than the rest of a turn's end.
   */
  stop(ended: { reason: TurnEndReason; detail?: string }, error: () => Error): void {
    this.ended = ended;
    this.clearTimers();
    if (ended.reason !== 'completed') this.controller.abort(error());
    if (this.inputs.size) {
      const rejected = error();
      for (const input of this.inputs.values()) input.reject(rejected);
      this.inputs.clear();
    }
    this.releaseHeld();
    this.wakeHoldWaiters();
  }

  clearTimers(): void {
    clearTimeout(this.wallTimer);
    clearInterval(this.checkpointTimer);
    this.wallTimer = this.checkpointTimer = undefined;
  }
}

/**
 * A session while it is in memory: summary, transcript, inbox and listeners. Its agents live in
 * the runtime under the session id; `restoreNeeded` says they were paged out to the store.
 */
export class LiveSession {
  info: SessionInfo;
  /**
   * The end of the transcript, from entry `transcriptOffset` on: what turns and joining clients
   * need. Older entries are in the store, so a long-lived session does not hold its whole history.
   */
  transcript: MessageEvent[];
  transcriptOffset = 0;
  inbox: InboxItem[];
  snapshot: KeySnapshot | undefined;
  readonly listeners = new Set<SessionListener>();
  /** Agent calls running now, whose messages carry them (see call-log.ts). */
  readonly calls = new CallLog();
  turn: Turn | undefined;
  version: GraphVersion | undefined;
  /** The runtime holds no instances for this session; the next turn restores `snapshot` first. */
  restoreNeeded: boolean;
  /** The last write of this session made so far: done once every write before it is. */
  saving: Promise<void> = Promise.resolve();
  settledWaiters: Array<() => void> = [];
  context: SessionContext | undefined;
  /** Transcript entries the store holds, as written by this process; undefined: not known. */
  persistedTranscript: number | undefined;
  /** Bumped when the transcript is cut (retention): counts from writes started before no longer hold. */
  transcriptRewrites = 0;
  /** What the writer's last write sent, which its next one builds on; undefined: nothing yet, or it failed. */
  sent: Sent | undefined;
  /** A write held for the session's next one (see SessionWriter.persist). */
  held: Held | undefined;
  /** Writes of this session made so far, and the last of them the store took (SessionWriter numbers them). */
  writesMade = 0;
  writesLanded = 0;
  /** A turn's end failed to save and is being saved again: the store's copy is behind memory. */
  saveOwed = false;
  /** API calls in progress on this session: it stays in memory until they finish. */
  busy = 0;
  /** Deleted from the store: nothing may write it back. */
  deleted = false;
  private readonly accepted: string[];
  private readonly acceptedSet: Set<string>;

  /** `transcriptOffset`: the record's transcript starts at this entry; the store holds the ones before. */
  constructor(record: SessionRecord, transcriptOffset = 0) {
    // The record is ours (see SessionStore.loadSession): a session changes its info in place.
    this.info = record.info;
    this.transcript = record.transcript;
    this.transcriptOffset = transcriptOffset;
    this.persistedTranscript = transcriptOffset + record.transcript.length;
    this.inbox = record.inbox ?? [];
    this.snapshot = record.snapshot;
    this.restoreNeeded = record.snapshot !== undefined;
    this.accepted = [...record.acceptedMessageIds];
    this.acceptedSet = new Set(this.accepted);
  }

  get id(): string {
    return this.info.id;
  }
  /** Entries in the whole transcript, stored ones included. */
  get transcriptLength(): number {
    return this.transcriptOffset + this.transcript.length;
  }

  /**
   * Lets go of stored entries once the window has grown well past what it keeps: the last
   * WRITE_OVERLAP stored entries stay, so a write can start before the entries it adds.
   */
  shedTranscript(): void {
    const stored = (this.persistedTranscript ?? 0) - WRITE_OVERLAP - this.transcriptOffset;
    if (this.transcript.length < 4 * WRITE_OVERLAP || stored < 2 * WRITE_OVERLAP) return;
    // A new array: a write in flight may still read the old one (see record()).
    this.transcript = this.transcript.slice(stored);
    this.transcriptOffset += stored;
  }
  get closed(): boolean {
    return this.info.state === 'closed';
  }
  /** No turn running, nothing waiting, nothing owed to the store: the session may be paged out. */
  get quiet(): boolean {
    return this.turn === undefined && this.inbox.length === 0 && !this.saveOwed;
  }

  /** The ids of the user messages accepted lately, oldest first; changed in place. */
  get acceptedIds(): readonly string[] {
    return this.accepted;
  }

  hasAccepted(messageId: string): boolean {
    return this.acceptedSet.has(messageId);
  }

  accept(messageId: string): void {
    this.accepted.push(messageId);
    this.acceptedSet.add(messageId);
    if (this.accepted.length > MAX_ACCEPTED_IDS) this.acceptedSet.delete(this.accepted.shift()!);
  }

  forget(messageId: string): void {
    const i = this.accepted.lastIndexOf(messageId);
    if (i >= 0) this.accepted.splice(i, 1);
    this.acceptedSet.delete(messageId);
  }

  setState(state: SessionState): boolean {
    if (this.info.state === state) return false;
    this.info.state = state;
    this.emit('session', { sessionId: this.id, state, time: Date.now() });
    return true;
  }

  emit<E extends ServerEventName>(event: E, payload: ServerEvents[E]): void {
    if (event === 'agent' || event === 'usage') this.calls.note(event, payload as ServerEvents['agent' | 'usage']);
    else if (event === 'turn_end') this.calls.endTurn((payload as ServerEvents['turn_end']).turnId);
    for (const listener of this.listeners) {
      try {
        listener(event, payload);
      } catch {
        // a broken listener must not stop the session or the other listeners
      }
    }
  }
}
