import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { AppError } from '../errors.ts';
import { appendText, readJson, storeError, writeJson } from './json-file.ts';

/** Between two full writes, at most this many turns go to the session's append-only side file. */
const MAX_APPENDS = 16;
/** Sessions whose write generation this process remembers (the hot ones); others get a full write. */
const MAX_REMEMBERED = 1024;

/**
 * Writes a session file cheaply and atomically. A full write replaces `<id>.json` (temp file +
 * rename) and stamps it with a fresh generation. The writes that follow, when the caller says
 * nothing but new entries changed, append the record as one line to `<id>.log.jsonl` instead:
 * an append costs a fraction of a rename. Reading takes the main file, then the last complete
 * side line of the same generation; lines of an older generation (a full write happened since)
 * and a torn last line (kill -9) are ignored. After MAX_APPENDS appends the next write is full.
 */
export class SessionHeads {
  /** Main file path → its generation and how many side lines it has. */
  private readonly known = new Map<string, { gen: string; appends: number }>();

  async write(path: string, head: object, appendable: boolean, what: string): Promise<void> {
    const known = this.known.get(path);
    this.known.delete(path); // re-inserted below: the map's order is least recently written first
    try {
      if (appendable && known && known.appends < MAX_APPENDS) {
        await appendText(sideFile(path), `\n${JSON.stringify({ gen: known.gen, head })}\n`);
        this.remember(path, { gen: known.gen, appends: known.appends + 1 });
        return;
      }
      const gen = randomBytes(6).toString('base64url');
      await writeJson(path, { ...head, gen }, what);
      // Side lines of the old generation are ignored anyway; dropping them keeps reads short.
      if (known && known.appends > 0) await rm(sideFile(path), { force: true });
      this.remember(path, { gen, appends: 0 });
    } catch (error) {
      throw storeError('write', what, error);
    }
  }

  /** Written by this process lately: its next write may append to the side file. */
  has(path: string): boolean {
    return this.known.has(path);
  }

  async read<T extends object>(path: string, what: string): Promise<T | undefined> {
    const main = await readJson<T & { gen?: string }>(path, what);
    if (!main) return undefined;
    const { gen, ...head } = main;
    let text = '';
    try {
      text = await readFile(sideFile(path), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw storeError('read', what, error);
    }
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      if (!lines[i]) continue;
      let line: { gen?: unknown; head?: unknown };
      try {
        line = JSON.parse(lines[i]!);
      } catch {
        continue; // a torn line from an interrupted append
      }
      if (gen !== undefined && line.gen === gen && typeof line.head === 'object' && line.head !== null)
        return line.head as T;
    }
    if (typeof head !== 'object')
      throw new AppError('corrupt_record', 500, `${what} is corrupt and cannot be read: not an object`);
    return head as T;
  }

  async remove(path: string): Promise<void> {
    this.known.delete(path);
    await rm(sideFile(path), { force: true });
  }

  private remember(path: string, entry: { gen: string; appends: number }): void {
    this.known.set(path, entry);
    if (this.known.size > MAX_REMEMBERED) this.known.delete(this.known.keys().next().value!);
  }
}

const sideFile = (path: string) => path.replace(/\.json$/, '.log.jsonl');
