import { readFile } from 'node:fs/promises';
import type { MessageEvent } from '../../schemas/protocol.ts';
import { AppError } from '../errors.ts';
import { appendText, storeError, writeText } from './json-file.ts';

/**
 * A session's transcript in two parts, so a turn's write does not grow with the history: whole
 * chunks of CHUNK entries go to an append-only JSON-lines file (`{"n": index, "e": entry}`), the
 * rest rides along in the session file. Which entries are logged follows from the count alone
 * (every complete chunk), so a write needs no read. The session file says how many entries the
 * log holds: lines past that (an append whose session write never landed) are ignored, a later
 * line for an index wins, and every append starts a fresh line so a torn last line (kill -9)
 * never swallows the next one.
 */
export const CHUNK = 16;
const MAX_ENTRIES = 10_000_000;

export interface TranscriptParts {
  /** Entries [0, logged) are in the log file. */
  logged: number;
  /** Entries [logged, count) stay in the session file. */
  recent: MessageEvent[];
}

/**
 * Brings the log up to date and returns what the session file keeps. `from`: the entries before
 * it were written (with this same rule) by the last write; undefined rewrites the log whole.
 */
export async function writeTranscript(
  path: string,
  transcript: readonly MessageEvent[],
  from: number | undefined,
  what: string,
): Promise<TranscriptParts> {
  const logged = Math.floor(transcript.length / CHUNK) * CHUNK;
  const recent = transcript.slice(logged);
  if (from === undefined || from < 0 || from > transcript.length) {
    if (logged > 0) await writeText(path, lines(transcript, 0, logged), what);
    return { logged, recent };
  }
  const loggedBefore = Math.floor(from / CHUNK) * CHUNK;
  if (logged > loggedBefore) {
    const text = `\n${lines(transcript, loggedBefore, logged)}`;
    try {
      await appendText(path, text);
    } catch (error) {
      throw storeError('write', what, error);
    }
  }
  return { logged, recent };
}

export async function readTranscript(path: string, parts: TranscriptParts, what: string): Promise<MessageEvent[]> {
  const { logged, recent } = parts;
  if (!Number.isInteger(logged) || logged < 0 || logged > MAX_ENTRIES || !Array.isArray(recent)) {
    throw new AppError('corrupt_record', 500, `${what} is corrupt: its entry counts are not counts`);
  }
  if (logged === 0) return [...recent];
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') text = '';
    else throw storeError('read', what, error);
  }
  const entries: MessageEvent[] = new Array(logged);
  let found = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let parsed: { n?: unknown; e?: MessageEvent };
    try {
      parsed = JSON.parse(line);
    } catch {
      continue; // a torn line from an interrupted append
    }
    const n = parsed.n;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= logged || parsed.e === undefined) continue;
    if (entries[n] === undefined) found++;
    entries[n] = parsed.e;
  }
  if (found !== logged) {
    throw new AppError(
      'corrupt_record',
      500,
      `${what} is corrupt: ${logged - found} of ${logged} logged entries are missing`,
      { expected: logged, found },
    );
  }
  return entries.concat(recent);
}

function lines(transcript: readonly MessageEvent[], from: number, to: number): string {
  let text = '';
  for (let n = from; n < to; n++) text += `${JSON.stringify({ n, e: transcript[n] })}\n`;
  return text;
}
