import { close, open, write } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { storeError } from './json-file.ts';

/** A line to append, and what to do in memory once it is on disk (before its writer hears so). */
export interface JournalEntry {
  line: string;
  applied(): void;
}

interface Batch {
  entries: JournalEntry[];
  done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * An append-only log of JSON lines in numbered segment files (`<dir>/<seq>.jsonl`), written with
 * group commit: lines queued while a write is in flight go out together in the next one, so a
 * burst of N writes costs one system call, not N opens, writes and closes. The segment's file
 * stays open between writes.
 *
 * `rotate()` starts a new segment once the write in flight (if any) is done; every line in an
 * older segment has then been applied, so whoever folded those into other files may delete the
 * older segments. It never waits for a quiet moment, which a busy runner never has. A line is whole or ignored on replay: each write starts on a fresh line, a
 * torn last line (kill -9 mid-write) fails to parse, and a failed write ends its segment.
 */
export class Journal {
  private fd: number | undefined;
  private seq = 0;
  private queued: Batch | undefined;
  private writing = false;
  private rotateAfter: Array<() => void> = [];
  /** Bytes in the current segment. */
  bytes = 0;

  constructor(private readonly dir: string) {}

  /** Reads every segment, oldest first, and continues after the newest. */
  async open(): Promise<Array<{ seq: number; lines: string[] }>> {
    const segments = await this.segments();
    const read: Array<{ seq: number; lines: string[] }> = [];
    for (const seq of segments) {
      const text = await readFile(this.file(seq), 'utf8').catch((error) =>
        Promise.reject(storeError('read', 'the store journal', error)),
      );
      read.push({ seq, lines: text.split('\n').filter((l) => l.length > 0) });
    }
    this.seq = (segments.at(-1) ?? 0) + 1;
    return read;
  }

  /** Appends the line; resolves once it is on disk and `applied` ran. */
  append(line: string, applied: () => void): Promise<void> {
    const batch = (this.queued ??= pending());
    batch.entries.push({ line, applied });
    if (!this.writing) void this.drain();
    return batch.done;
  }

  /** Starts a new segment after the write in flight; resolves with the number of the last old one. */
  rotate(): Promise<number> {
    return new Promise((resolve) => {
      this.rotateAfter.push(() => resolve(this.seq - 1));
      if (!this.writing) void this.drain();
    });
  }

  /** Deletes segments up to and including `seq`. */
  async drop(seq: number): Promise<void> {
    for (const s of await this.segments()) if (s <= seq) await rm(this.file(s), { force: true });
  }

  async close(): Promise<void> {
    await this.rotate();
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queued || this.rotateAfter.length) {
      const batch = this.queued;
      this.queued = undefined;
      if (batch) await this.flush(batch);
      if (this.rotateAfter.length) {
        // Every line written to this segment is applied; what is queued goes to the next one.
        await this.closeSegment();
        this.seq++;
        for (const resolve of this.rotateAfter.splice(0)) resolve();
      }
    }
    this.writing = false;
  }

  private async flush(batch: Batch): Promise<void> {
    let text = '\n';
    for (const e of batch.entries) text += `${e.line}\n`;
    const buffer = Buffer.from(text, 'utf8');
    try {
      const fd = (this.fd ??= await this.openSegment());
      await writeAll(fd, buffer);
      this.bytes += buffer.length;
    } catch (error) {
      // The next write goes to a new segment: this file may hold part of the failed one, or be
      // the cause (a full disk behind it).
      await this.closeSegment();
      this.seq++;
      batch.reject(error);
      return;
    }
    for (const e of batch.entries) e.applied();
    batch.resolve();
  }

  private async openSegment(): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    this.bytes = 0;
    return new Promise((resolve, reject) =>
      open(this.file(this.seq), 'a', (error, fd) => (error ? reject(error) : resolve(fd))),
    );
  }

  private closeSegment(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    this.bytes = 0;
    if (fd === undefined) return Promise.resolve();
    return new Promise((resolve) => close(fd, () => resolve()));
  }

  private async segments(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeError('read', 'the store journal', error);
    }
    return names
      .map((n) => /^(\d{1,15})\.jsonl$/.exec(n)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private file(seq: number): string {
    return join(this.dir, `${String(seq).padStart(12, '0')}.jsonl`);
  }
}

function pending(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // A batch nobody awaits (every writer gave up) must not become an unhandled rejection.
  done.catch(() => undefined);
  return { entries: [], done, resolve, reject };
}

async function writeAll(fd: number, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    offset += await new Promise<number>((resolve, reject) =>
      write(fd, buffer, offset, buffer.length - offset, null, (error, n) => (error ? reject(error) : resolve(n))),
    );
  }
}
