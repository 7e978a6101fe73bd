import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import type { KeySnapshot } from '../runtime/types.ts';
import { invalid } from '../errors.ts';
import {
  newRevision,
  type AcceptedWrite,
  type SessionWrite,
  type SnapshotWrite,
  type TranscriptWrite,
} from '../store/session-write.ts';
import type { InboxItem, LoadedSession, SessionStore } from '../store/types.ts';
import type { LiveSession } from './live-session.ts';
import { changeOf } from './snapshot-change.ts';

export type SaveErrorCode = 'persist_failed' | 'checkpoint_failed';

/** A snapshot is written whole after this many changes, so a store reading it applies at most as many. */
const MAX_SNAPSHOT_CHANGES = 32;

export interface SessionWriterDeps {
  sessions: SessionStore;
  /** Retention: a transcript longer than this is cut from the front at a turn's end. */
  maxTranscriptEntries?: number;
  /** A save after the ack point failed (see SessionManagerDeps.onSaveError). */
  onSaveError?: (error: unknown, session: { tenant: string; id: string; code: SaveErrorCode }) => void;
}

/** What this writer's last write of a session sent: its next write builds on it. */
export interface Sent {
  revision: string;
  snapshot: KeySnapshot | undefined;
  /** How many changes the stored snapshot has had since it was written whole. */
  changes: number;
  accepted: readonly string[];
  /** How long the stored transcript is once the write lands. */
  length: number;
}

/** A write that may wait, held for the session's next one (see SessionStore.coalesceMs). */
export interface Held {
  timer: NodeJS.Timeout;
  deadline: number;
  /** Its callers, and those of the held writes it replaced. */
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * Makes each session write (store/session-write.ts) from what the session holds and what the last
 * write sent: the transcript from where the store's copy ends, the snapshot as its change from
 * the last one written, the accepted ids past those stored. It is the only place that knows what
 * a store holds of a session, so stores only apply writes. A transcript that was written leaves
 * memory (LiveSession.shedTranscript).
 */
export class SessionWriter {
  private readonly coalesceMs: number;

  constructor(private readonly deps: SessionWriterDeps) {
    this.coalesceMs = deps.sessions.coalesceMs ?? 0;
  }

  /**
   * Writes go out at once, in order: a store applies one session's writes in the order they are
   * made. Each builds on the one before it, sent or not: waiting for each write to land before
   * the next would cap a session at one write per round trip, which a busy runner falls behind.
   * When one fails, the store refuses those built on it, and the next one is sent whole.
   *
   * `coalesce`: the caller can wait (a turn's end with no message queued behind it). When the
   * store asks for it (coalesceMs), the write is held that long; the session's next write, if it
   * comes first, goes out at once and settles both, as it carries everything the held one would.
   * The first deadline stands, so held writes in a row cannot put each other off for ever.
   */
  persist(s: LiveSession, coalesce = false): Promise<void> {
    if (s.deleted) return Promise.resolve();
    const held = s.held;
    if (held) {
      clearTimeout(held.timer);
      s.held = undefined;
    }
    let done: Promise<void>;
    if (coalesce && this.coalesceMs > 0) {
      done = new Promise<void>((resolve, reject) => {
        const waiters = held?.waiters ?? [];
        waiters.push({ resolve, reject });
        const deadline = held?.deadline ?? Date.now() + this.coalesceMs;
        const timer = setTimeout(() => {
          s.held = undefined;
          settle(s.deleted ? Promise.resolve() : this.send(s), waiters);
        }, deadline - Date.now());
        s.held = { timer, deadline, waiters };
      });
    } else {
      done = this.send(s);
      if (held) settle(done, held.waiters);
    }
    s.saving = done.catch(() => undefined);
    return done;
  }

  /** A session just read from the store: its next write builds on the revision read (see SessionStore.loadSession). */
  adopt(s: LiveSession, { record, transcriptOffset, revision, snapshotChanges }: LoadedSession): void {
    s.sent =
      revision === undefined
        ? undefined
        : {
            revision,
            snapshot: record.snapshot,
            changes: snapshotChanges,
            accepted: record.acceptedMessageIds,
            length: transcriptOffset + record.transcript.length,
          };
  }

  /** The session left memory with every write landed: the store may forget its revision. */
  release(s: LiveSession): void {
    s.sent = undefined;
    this.deps.sessions.release?.(s.info.tenant, s.id);
  }

  /** A save after the ack point failed: the session's clients get a warning, the operator the error. */
  saveFailed(s: LiveSession, code: SaveErrorCode, error: unknown): void {
    s.emit('warning', { sessionId: s.id, code, message: describe(error) });
    this.deps.onSaveError?.(error, { tenant: s.info.tenant, id: s.id, code });
  }

  /** Applies the retention's transcript limit; the cut transcript is written whole next. */
  async trimTranscript(s: LiveSession): Promise<void> {
    const max = this.deps.maxTranscriptEntries;
    if (max === undefined || s.transcriptLength <= max) return;
    // The kept entries start before the window: the store has those.
    const older = s.transcript.length < max ? await this.olderEntries(s) : [];
    // A new array: a write in flight may still read the old one (see SessionWrite).
    s.transcript = older.concat(s.transcript).slice(-max);
    s.transcriptOffset = 0;
    s.transcriptRewrites++;
    s.persistedTranscript = undefined;
  }

  /** The stored entries before the session's window. */
  async olderEntries(s: LiveSession): Promise<MessageEvent[]> {
    if (s.transcriptOffset === 0) return [];
    await s.saving;
    const stored = await this.deps.sessions.getSession(s.info.tenant, s.id);
    return (stored?.transcript ?? []).slice(0, s.transcriptOffset);
  }

  private send(s: LiveSession): Promise<void> {
    const { write, sent } = nextWrite(s.sent, s);
    s.sent = sent;
    const rewrites = s.transcriptRewrites;
    const made = ++s.writesMade;
    return this.deps.sessions.putSession(write).then(
      () => {
        s.writesLanded = Math.max(s.writesLanded, made);
        if (rewrites !== s.transcriptRewrites) return; // trimmed since: its count no longer applies
        s.persistedTranscript = Math.max(s.persistedTranscript ?? 0, write.transcript.length);
        s.shedTranscript();
      },
      (error: unknown) => {
        // The store may hold this write or not: the next one builds on nothing.
        s.sent = undefined;
        throw error;
      },
    );
  }
}

/** What a write is made from: a live session, or a record a test or tool writes step by step. */
export interface WriteSource {
  readonly id: string;
  readonly info: SessionInfo;
  readonly inbox: readonly InboxItem[] | undefined;
  /** Entries from `transcriptOffset` on (see LiveSession.transcript). */
  readonly transcript: readonly MessageEvent[];
  readonly transcriptOffset: number;
  /** Entries the store is known to hold; undefined: none are known (write it whole). */
  readonly persistedTranscript: number | undefined;
  readonly snapshot: KeySnapshot | undefined;
  readonly acceptedIds: readonly string[];
}

/** The next write of `s`, built on `prior` (the last one sent, if any), and what it sends. */
export function nextWrite(prior: Sent | undefined, s: WriteSource): { write: SessionWrite; sent: Sent } {
  const snapshot = snapshotWrite(prior, s.snapshot);
  const accepted = acceptedWrite(prior, s.acceptedIds);
  const transcript = transcriptWrite(prior, s);
  const revision = newRevision();
  const sent: Sent = {
    revision,
    snapshot: s.snapshot,
    changes:
      snapshot.kind === 'change' ? prior!.changes + 1 : snapshot.kind === 'unchanged' ? (prior?.changes ?? 0) : 0,
    accepted: accepted.ids,
    length: transcript.length,
  };
  return {
    write: {
      info: s.info,
      inbox: s.inbox,
      transcript,
      snapshot,
      accepted,
      base: prior?.revision,
      revision,
      fence: undefined,
    },
    sent,
  };
}

/**
 * From where the store's copy ends: what the last write sent (a write that builds on it fails
 * with it), or what the store is known to hold. Whole after the transcript was cut.
 */
function transcriptWrite(prior: Sent | undefined, s: WriteSource): TranscriptWrite {
  const offset = s.transcriptOffset;
  const length = offset + s.transcript.length;
  const known = s.persistedTranscript;
  if (known === undefined) {
    if (offset > 0)
      throw invalid(`session "${s.id}": a transcript from entry ${offset} on can only add to what is stored`);
    return { kind: 'whole', entries: s.transcript, length };
  }
  const from = prior ? Math.max(known, Math.min(prior.length, length)) : Math.min(known, length);
  return { kind: 'from', from, offset, entries: s.transcript, length };
}

/**
 * The snapshot is a value its maker replaces, never changes: a new object is a new snapshot, sent
 * as its change from the last one written (whole every MAX_SNAPSHOT_CHANGES writes).
 */
function snapshotWrite(prior: Sent | undefined, value: KeySnapshot | undefined): SnapshotWrite {
  if (!prior) return { kind: 'whole', value };
  if (prior.snapshot === value) return { kind: 'unchanged', value };
  if (prior.snapshot === undefined || value === undefined || prior.changes >= MAX_SNAPSHOT_CHANGES)
    return { kind: 'whole', value };
  const change = changeOf(prior.snapshot, value);
  if (change === undefined) return { kind: 'unchanged', value };
  return '=' in change ? { kind: 'whole', value } : { kind: 'change', value, change };
}

/**
 * The ids past those stored. A copy: the session changes its list in place. Kept only when the
 * window moved on by dropping old ids and adding new ones; otherwise (an id forgotten in the
 * middle) the list is written whole.
 */
function acceptedWrite(prior: Sent | undefined, now: readonly string[]): AcceptedWrite {
  if (!prior) return { ids: now.slice(), keep: 0 };
  const stored = prior.accepted;
  const keep = stored.length ? now.lastIndexOf(stored.at(-1)!) + 1 : 0;
  if (keep === 0 || keep > stored.length || now[0] !== stored[stored.length - keep])
    return { ids: now.slice(), keep: 0 };
  if (keep === stored.length && keep === now.length) return { ids: stored, keep };
  return { ids: now.slice(), keep };
}

/** Settles every waiter as `write` settles. */
function settle(write: Promise<void>, waiters: Held['waiters']): void {
  write.then(
    () => waiters.forEach((w) => w.resolve()),
    (error: unknown) => waiters.forEach((w) => w.reject(error)),
  );
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
