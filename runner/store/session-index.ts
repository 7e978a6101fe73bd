import { open, readFile } from 'node:fs/promises';
import type { SessionInfo } from '../../schemas/protocol.ts';
import { appendText, storeError, writeText } from './json-file.ts';

/** One line of the log: the latest summary of a session, or its removal. */
type Entry = { i: SessionInfo } | { d: string };

interface LogState {
  bytes: number;
  /** Size of the log when it was last folded (or first seen): compaction waits until it is 3× that. */
  bytesAtFold: number;
  /** The file does not end with a newline (a torn append after a crash): start a fresh line. */
  tornTail: boolean;
  /** Lines waiting for the append in flight to finish: they go out together in the next one. */
  queued: string[];
  waiters: Array<{ resolve(): void; reject(error: unknown): void }>;
  flushing: boolean;
  /** Someone asked for the history to go now (see compactNow). */
  compactAsked: boolean;
}

const MIN_COMPACT_BYTES = 64 * 1024;

/**
 * A tenant's session summaries as an append-only JSON-lines log: a write appends one line
 * whatever the number of sessions, and the log is folded and rewritten (atomically) only when it
 * has grown to three times its size after the last fold, so the amortised cost per write stays
 * constant; opening it reads only its size and last byte.
 * Concurrent writes share one append (group commit). A torn last line (kill -9 during an
 * append) is skipped on read.
 */
export class SessionIndex {
  private readonly state = new Map<string, Promise<LogState>>();

  constructor(private readonly file: (tenant: string) => string) {}

  put(tenant: string, info: SessionInfo): Promise<void> {
    return this.append(tenant, { i: info });
  }

  remove(tenant: string, id: string): Promise<void> {
    return this.append(tenant, { d: id });
  }

  /**
   * Rewrites the log with only the current summaries, in turn with the appends: the summaries
   * of removed sessions leave the disk (erasure).
   */
  compactNow(tenant: string): Promise<void> {
    return this.enqueue(tenant, (state) => (state.compactAsked = true));
  }

  async list(tenant: string): Promise<SessionInfo[]> {
    return [...(await this.fold(tenant)).values()];
  }

  private append(tenant: string, entry: Entry): Promise<void> {
    return this.enqueue(tenant, (state) => state.queued.push(JSON.stringify(entry)));
  }

  private async enqueue(tenant: string, ask: (state: LogState) => void): Promise<void> {
    let loading = this.state.get(tenant);
    if (!loading) {
      loading = this.load(tenant);
      this.state.set(tenant, loading);
      loading.catch(() => this.state.delete(tenant));
    }
    const state = await loading;
    ask(state);
    const done = new Promise<void>((resolve, reject) => state.waiters.push({ resolve, reject }));
    if (!state.flushing) void this.flush(tenant, state);
    return done;
  }

  private async flush(tenant: string, state: LogState): Promise<void> {
    state.flushing = true;
    const path = this.file(tenant);
    while (state.queued.length || state.compactAsked) {
      const lines = state.queued.splice(0);
      const waiters = state.waiters.splice(0);
      const asked = state.compactAsked;
      state.compactAsked = false;
      try {
        if (lines.length) {
          const text = `${state.tornTail ? '\n' : ''}${lines.join('\n')}\n`;
          await appendText(path, text);
          state.tornTail = false;
          state.bytes += Buffer.byteLength(text);
        }
        if (asked) await this.compact(tenant, state);
        else if (state.bytes > Math.max(MIN_COMPACT_BYTES, 3 * state.bytesAtFold))
          await this.compact(tenant, state).catch(() => undefined);
        for (const w of waiters) w.resolve();
      } catch (error) {
        // A partial append may have reached the disk: the next line starts on a fresh one.
        state.tornTail = true;
        const failure = storeError('write', `the session index of tenant "${tenant}"`, error);
        for (const w of waiters) w.reject(failure);
      }
    }
    state.flushing = false;
  }

  private async load(tenant: string): Promise<LogState> {
    const { size, lastByte } = await this.tail(tenant);
    return {
      bytes: size,
      bytesAtFold: size,
      tornTail: size > 0 && lastByte !== 0x0a,
      queued: [],
      waiters: [],
      flushing: false,
      compactAsked: false,
    };
  }

  private async tail(tenant: string): Promise<{ size: number; lastByte: number | undefined }> {
    let handle;
    try {
      handle = await open(this.file(tenant), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { size: 0, lastByte: undefined };
      throw storeError('read', `the session index of tenant "${tenant}"`, error);
    }
    try {
      const { size } = await handle.stat();
      if (size === 0) return { size, lastByte: undefined };
      const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
      return { size, lastByte: buffer[0] };
    } finally {
      await handle.close();
    }
  }

  private async compact(tenant: string, state: LogState): Promise<void> {
    const live = await this.fold(tenant);
    const text = [...live.values()].map((info) => `${JSON.stringify({ i: info })}\n`).join('');
    await writeText(this.file(tenant), text, `the session index of tenant "${tenant}"`);
    state.bytes = state.bytesAtFold = Buffer.byteLength(text);
    state.tornTail = false;
  }

  private async fold(tenant: string): Promise<Map<string, SessionInfo>> {
    return foldEntries(parse(await this.read(tenant)));
  }

  private async read(tenant: string): Promise<string> {
    try {
      return await readFile(this.file(tenant), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw storeError('read', `the session index of tenant "${tenant}"`, error);
    }
  }
}

function parse(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as Entry);
    } catch {
      // a torn line from an interrupted append: the session file itself is intact
    }
  }
  return entries;
}

function foldEntries(entries: Entry[]): Map<string, SessionInfo> {
  const live = new Map<string, SessionInfo>();
  for (const entry of entries) {
    if ('d' in entry) live.delete(entry.d);
    else if (entry.i && typeof entry.i.id === 'string') live.set(entry.i.id, entry.i);
  }
  return live;
}
