import type { SessionInfo } from '../../schemas/protocol.ts';
import { AppError, invalid } from '../errors.ts';
import { Journal } from './journal.ts';
import { replayJournal } from './journal-replay.ts';
import { earliest, headOf, key, writable, type Dirty } from './journal-versions.ts';
import { CHUNK } from './transcript-log.ts';
import type { SessionFiles } from './session-files.ts';
import type { SessionWrite } from './session-write.ts';
import type { LoadedSession, SessionRecord } from './types.ts';

/**
 * A checkpoint runs once writes have paused this long, so a runner that goes quiet has its files
 * current (and stays idle) half a second later…
 */
const CHECKPOINT_QUIET_MS = 500;
/**
 * …and while writes keep coming, this long after the first write since the last checkpoint. A
 * checkpoint writes every changed session's files, so its cost follows the number of sessions a
 * busy runner touches, not the turns they run; spacing them keeps that per turn small.
 */
const CHECKPOINT_BUSY_MS = 5000;
/** …or as soon as the journal segment or the sessions waiting for one grow past these. */
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
const MAX_DIRTY = 5000;
/**
 * …or once this many sessions wait whose files a checkpoint must create or replace (new ones,
 * or not written lately): those writes are the expensive ones, so a burst of new sessions is
 * written in parts rather than all at once, long after it ended.
 */
const MAX_COLD = 200;
/**
 * Sessions written to their files at once during a checkpoint: half of libuv's threads (four
 * unless UV_THREADPOOL_SIZE says otherwise; `npm start` gives it 16), so a journal append never
 * waits behind a large checkpoint's file writes, while a checkpoint of many new sessions, each
 * a few file operations in a row, is not held to two at a time.
 */
const CHECKPOINT_CONCURRENCY = Math.max(2, Math.floor((Number(process.env.UV_THREADPOOL_SIZE) || 4) / 2));

export interface JournaledSessionsOptions {
  /** A checkpoint failed; the journal keeps the writes and the next checkpoint tries again. */
  onError?: (error: unknown) => void;
}

/**
 * Session writes as a write-ahead journal in front of the per-session files. A write appends
 * one line to the journal (group commit: one system call for every write in flight) and is
 * acknowledged once that line is on disk; reads see it at once. A checkpoint, half a second after the
 * first write or when the journal grows, writes each changed session to its files once, however
 * many turns it ran meanwhile, and then deletes the journal segments it covered. On open, the
 * segments left by a crash are replayed and checkpointed before anything is read or written.
 *
 * A line carries the write as it came (see Line): what changed, so a turn's line holds the
 * snapshot's change (a few hundred bytes), not the whole snapshot. A write that builds on a
 * revision other than the session's is refused when its line is applied, and skipped on replay.
 */
export class JournaledSessions {
  private readonly journal: Journal;
  private readonly dirty = new Map<string, Dirty>();
  /** The revision of each session's applied state, dirty or in its files, as far as known (see put). */
  private readonly revisions = new Map<string, string | undefined>();
  private readonly removing = new Set<Promise<unknown>>();
  private recovering: Promise<void> | undefined;
  /** The versions the running checkpoint is writing. */
  private folding = new Set<Dirty>();
  private checkpointing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the first write since the last checkpoint came, and the latest one (see schedule). */
  private firstWriteAt = 0;
  private lastWriteAt = 0;
  /** Sessions waiting whose files are not hot (see SessionFiles.hot). */
  private cold = 0;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    journalDir: string,
    private readonly files: SessionFiles,
    private readonly options: JournaledSessionsOptions = {},
  ) {
    this.journal = new Journal(journalDir);
  }

  async get(tenant: string, id: string): Promise<SessionRecord | undefined> {
    await this.ready();
    const d = this.dirty.get(key(tenant, id));
    return d ? this.recordOf(d) : this.files.read(tenant, id);
  }

  /** See SessionStore.loadSession: the revision read is kept until `release`, so the next write's check needs no read. */
  async load(tenant: string, id: string): Promise<LoadedSession | undefined> {
    await this.ready();
    const k = key(tenant, id);
    const d = this.dirty.get(k);
    if (d) {
      // A checkpoint may fold `d` before the next write comes: the files then hold this revision.
      if (!this.revisions.has(k)) this.revisions.set(k, d.revision);
      // The entries the files hold are not read again: the writer needs only those after them.
      const record = { ...headOf(d), transcript: d.entries.slice() };
      return { record, transcriptOffset: d.base, revision: d.revision, snapshotChanges: 0 };
    }
    const stored = await this.files.readStored(tenant, id);
    if (!stored) return undefined;
    this.learned(k, stored.revision);
    return { ...stored, transcriptOffset: 0, snapshotChanges: 0 };
  }

  async list(tenant: string): Promise<SessionInfo[]> {
    await this.ready();
    const listed = await this.files.list(tenant);
    const byId = new Map(listed.map((s) => [s.id, s]));
    for (const d of this.dirty.values())
      if (d.tenant === tenant) byId.set(d.id, (JSON.parse(d.head) as { info: SessionInfo }).info);
    return [...byId.values()];
  }

  /** Appends the write's line; resolves once it is on disk and applied, rejects when refused. */
  async put(write: SessionWrite): Promise<void> {
    await this.ready();
    const { info, transcript: t, snapshot } = write;
    const { tenant, id } = info;
    const k = key(tenant, id);
    const offset = t.kind === 'from' ? t.offset : 0;
    const from = t.kind === 'from' ? t.from : undefined;
    const { length, entries: transcript } = t;
    if (from !== undefined && (from < offset || from > length))
      throw invalid(
        `session "${id}": a transcript from entry ${from} must lie between the write's first entry (${offset}) and its length (${length})`,
      );
    // The files know the revision of a session no write of this process touched.
    if (write.base !== undefined && !this.dirty.has(k) && !this.revisions.has(k)) await this.learnRevision(tenant, id);
    const head = JSON.stringify({ info, acceptedMessageIds: write.accepted.ids, inbox: write.inbox });
    const before = this.dirty.get(k);
    const merged = before ? earliest(before.from, from) : from;
    const base = merged === undefined ? 0 : Math.floor(merged / CHUNK) * CHUNK;
    // A copy: the caller may keep appending to its array, and what was written must not change.
    // Entries before the caller's window are still held from its earlier writes.
    const entries =
      base >= offset
        ? transcript.slice(base - offset, length - offset)
        : before && before.base <= base
          ? before.entries.slice(base - before.base, offset - before.base).concat(transcript.slice(0, length - offset))
          : undefined;
    if (!entries)
      throw invalid(
        `session "${id}": the transcript from entry ${offset} on lacks entries ${base}-${offset - 1} the files need`,
      );
    const snap =
      snapshot.kind === 'whole'
        ? `,"snap":${JSON.stringify(snapshot.value ?? null)}`
        : snapshot.kind === 'change'
          ? `,"chg":${JSON.stringify(snapshot.change)}`
          : '';
    const line =
      `{"t":"put","s":${JSON.stringify(tenant)},"id":${JSON.stringify(id)},"from":${from ?? -1},"rev":${JSON.stringify(write.revision)}` +
      `${write.base === undefined ? '' : `,"base":${JSON.stringify(write.base)}`},"head":${head}${snap},"tail":${JSON.stringify(transcript.slice((from ?? 0) - offset, length - offset))}}`;
    let refused = false;
    await this.journal.append(line, () => {
      // A checkpoint may have folded the previous version into the files since this line was built.
      const previous = this.dirty.get(k);
      // An earlier write this one builds on failed (or another came between): replay skips this line too.
      if (write.base !== undefined && write.base !== (previous ? previous.revision : this.revisions.get(k))) {
        refused = true;
        return;
      }
      if (!previous && !this.files.hot(tenant, id)) this.cold++;
      const sinceFold =
        previous && (previous.sinceFold || this.folding.has(previous))
          ? { from: previous.sinceFold ? earliest(previous.sinceFold.from, from) : from }
          : undefined;
      this.dirty.set(k, {
        tenant,
        id,
        head,
        snapshot: snapshot.value,
        revision: write.revision,
        entries,
        base,
        from: previous ? earliest(previous.from, from) : from,
        sinceFold,
      });
      this.revisions.set(k, write.revision);
    });
    if (refused)
      throw new AppError(
        'store_conflict',
        503,
        `session "${id}" changed in the store since the write this one builds on (or that write failed); the next write sends it whole`,
      );
    this.schedule();
  }

  /** See SessionStore.release: a session in memory for long keeps its entry; one that left gives it up. */
  release(tenant: string, id: string): void {
    this.revisions.delete(key(tenant, id));
  }

  private async learnRevision(tenant: string, id: string): Promise<void> {
    const stored = await this.files.readStored(tenant, id).catch(() => undefined);
    this.learned(key(tenant, id), stored?.revision);
  }

  /** The files' revision, read just now: a write applied while they were read knows a newer one. */
  private learned(k: string, revision: string | undefined): void {
    if (!this.dirty.has(k) && !this.revisions.has(k)) this.revisions.set(k, revision);
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.ready();
    const k = key(tenant, id);
    const removed = this.journal
      .append(JSON.stringify({ t: 'del', s: tenant, id }), () => (this.dirty.delete(k), this.revisions.delete(k)))
      .then(() => this.files.remove(tenant, id));
    this.removing.add(removed);
    try {
      await removed;
    } finally {
      this.removing.delete(removed);
    }
  }

  /** Writes every changed session to its files now; rejects when one could not be written. */
  async flush(): Promise<void> {
    await this.ready();
    // One already running may have started before the latest writes: wait for it, then fold again.
    await this.checkpointing?.catch(() => undefined);
    await this.checkpoint(true);
  }

  /** Closing twice waits for the first: a second checkpoint could fold another process's journal. */
  close(): Promise<void> {
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    // A read may have started the recovery, which ends with a checkpoint of its own.
    if (
      this.recovering &&
      (await this.recovering.then(
        () => true,
        () => false,
      ))
    )
      await this.checkpoint(false).catch(() => undefined);
    await this.journal.close();
  }

  private ready(): Promise<void> {
    return (this.recovering ??= this.recover().catch((error) => {
      this.recovering = undefined;
      throw error;
    }));
  }

  /** Replays what a crash left in the journal, then folds it into the files. */
  private async recover(): Promise<void> {
    const removed = await replayJournal(
      await this.journal.open(),
      this.files,
      { dirty: this.dirty, revisions: this.revisions },
      this.options.onError,
    );
    for (const { tenant, id } of removed) await this.files.remove(tenant, id);
    await this.checkpoint(false);
  }

  /** `d` is in the files now: forget it, or rebase the newer version written meanwhile. */
  private folded(k: string, d: Dirty): void {
    const current = this.dirty.get(k);
    if (current === d) this.dirty.delete(k);
    else if (current?.sinceFold) rebase(current);
  }

  /** The whole record: the entries before `base` come from the files. */
  private async recordOf(d: Dirty): Promise<SessionRecord> {
    const older = d.base ? ((await this.files.read(d.tenant, d.id))?.transcript ?? []).slice(0, d.base) : [];
    return { ...headOf(d), transcript: older.concat(d.entries) };
  }

  /** One timer at a time, re-armed when it fires early rather than reset on every write. */
  private schedule(): void {
    if (this.closed) return;
    if (this.journal.bytes > MAX_SEGMENT_BYTES || this.dirty.size > MAX_DIRTY || this.cold >= MAX_COLD) {
      void this.checkpoint(false);
      return;
    }
    const now = Date.now();
    this.lastWriteAt = now;
    if (this.timer) return;
    this.firstWriteAt = now;
    this.arm(CHECKPOINT_QUIET_MS);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      const due = Math.min(this.lastWriteAt + CHECKPOINT_QUIET_MS, this.firstWriteAt + CHECKPOINT_BUSY_MS);
      if (due > now && !this.closed) this.arm(due - now);
      else void this.checkpoint(false);
    }, ms);
    this.timer.unref();
  }

  /**
   * Starts a new journal segment, writes every session changed before it to its files, and
   * deletes the older segments once all of those writes succeeded. One runs at a time.
   */
  private checkpoint(strict: boolean): Promise<void> {
    const run = (this.checkpointing ??= this.fold().finally(() => {
      this.checkpointing = undefined;
      // Writes that came in while it ran wait for the next one.
      if (this.dirty.size) this.schedule();
    }));
    return strict ? run : run.catch((error) => this.options.onError?.(error));
  }

  private async fold(): Promise<void> {
    const last = await this.journal.rotate();
    const batch = [...this.dirty.entries()];
    this.cold = 0;
    this.folding = new Set(batch.map(([, d]) => d));
    let failure: unknown;
    try {
      for (let i = 0; i < batch.length; i += CHECKPOINT_CONCURRENCY) {
        await Promise.all(
          batch.slice(i, i + CHECKPOINT_CONCURRENCY).map(async ([k, d]) => {
            try {
              await this.files.write(writable(d), d.revision, d.from, () => this.dirty.has(k));
              this.folded(k, d);
            } catch (error) {
              // The files still hold their last state whole (atomic renames, appends past the
              // stored count ignored), so `from` stays right for the next try.
              failure ??= error;
            }
          }),
        );
      }
    } finally {
      this.folding = new Set();
      for (const d of this.dirty.values()) d.sinceFold = undefined;
    }
    if (failure) {
      this.schedule();
      throw failure instanceof AppError
        ? failure
        : new AppError('store_unavailable', 503, `could not checkpoint sessions: ${String(failure)}`);
    }
    // A removal whose tombstone is in these segments must have removed the files before they go.
    await Promise.allSettled([...this.removing]);
    await this.journal.drop(last);
  }
}

/** The version before `current` is in the files now: count what `current` lacks from there. */
function rebase(current: Dirty): void {
  current.from = current.sinceFold!.from;
  const base = current.from === undefined ? 0 : Math.floor(current.from / CHUNK) * CHUNK;
  if (base > current.base) {
    current.entries = current.entries.slice(base - current.base);
    current.base = base;
  }
}
