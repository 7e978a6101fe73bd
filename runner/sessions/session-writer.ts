import type { MessageEvent } from '../../schemas/protocol.ts';
import type { SessionStore } from '../store/types.ts';
import type { LiveSession } from './live-session.ts';

export type SaveErrorCode = 'persist_failed' | 'checkpoint_failed';

export interface SessionWriterDeps {
  sessions: SessionStore;
  /** Retention: a transcript longer than this is cut from the front at a turn's end. */
  maxTranscriptEntries?: number;
  /** A save after the ack point failed (see SessionManagerDeps.onSaveError). */
  onSaveError?: (error: unknown, session: { tenant: string; id: string; code: SaveErrorCode }) => void;
}

/**
 * Writes sessions to the store and keeps track of what it holds of each transcript, so a write
 * sends only the entries the store lacks, and a long transcript leaves memory once stored.
 */
export class SessionWriter {
  constructor(private readonly deps: SessionWriterDeps) {}

  /**
   * Writes go out at once, in order: a store applies one session's writes in the order they are
   * made. Each sends the transcript entries the store lacked when it started; one that starts
   * before the previous finished only repeats entries, which stores keep by index. Waiting for
   * each write to land before the next would cap a session at one write per event-loop turn of
   * the store, which a busy runner falls behind.
   */
  persist(s: LiveSession, coalesce = false): Promise<void> {
    if (s.deleted) return Promise.resolve();
    const record = s.record();
    const from = s.persistedTranscript;
    const length = s.transcriptLength;
    const rewrites = s.transcriptRewrites;
    // A failed write leaves the store as it was (or, if it landed after all, writing from
    // `from` again only rewrites the same entries), so what the store holds stays known.
    const done = this.deps.sessions.putSession(record, from === undefined ? { coalesce } : { transcriptFrom: from, transcriptOffset: s.transcriptOffset, coalesce }).then(() => {
      if (rewrites !== s.transcriptRewrites) return; // trimmed since: its count no longer applies
      s.persistedTranscript = Math.max(s.persistedTranscript ?? 0, length);
      s.shedTranscript();
    });
    s.saving = done.catch(() => undefined);
    return done;
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
    // A new array: a write in flight may still read the old one (see LiveSession.record).
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
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
