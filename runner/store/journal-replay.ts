import { AppError } from '../errors.ts';
import { applyChange } from '../sessions/snapshot-change.ts';
import { earliest, headOf, key, type Dirty, type Line } from './journal-versions.ts';
import type { SessionFiles } from './session-files.ts';
import type { SessionRecord } from './types.ts';

/** Where replayed versions go: the journal's own maps. */
export interface Replayed {
  dirty: Map<string, Dirty>;
  revisions: Map<string, string | undefined>;
}

/**
 * Replays what a crash left in the journal, oldest line first, into `into`: each session's
 * latest version, built on its files. Returns the sessions whose last line removed them, for the
 * caller to remove their files. A line that cannot be replayed is told to `onError` and skipped.
 */
export async function replayJournal(
  segments: Array<{ lines: string[] }>,
  files: SessionFiles,
  into: Replayed,
  onError?: (error: unknown) => void,
): Promise<Array<{ tenant: string; id: string }>> {
  const removed = new Map<string, { tenant: string; id: string }>();
  for (const { lines } of segments) {
    for (const text of lines) {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // torn by a crash mid-write: never acknowledged
      }
      if (typeof line?.s !== 'string' || typeof line.id !== 'string') continue;
      const k = key(line.s, line.id);
      if (line.t === 'del') {
        into.dirty.delete(k);
        into.revisions.delete(k);
        removed.set(k, { tenant: line.s, id: line.id });
      } else if (line.t === 'put' && Array.isArray(line.tail) && typeof line.from === 'number') {
        removed.delete(k);
        await replay(files, into, k, line, onError);
      }
    }
  }
  return [...removed.values()];
}

async function replay(
  files: SessionFiles,
  into: Replayed,
  k: string,
  line: Extract<Line, { t: 'put' }>,
  onError?: (error: unknown) => void,
): Promise<void> {
  const previous = into.dirty.get(k);
  const needsBase = line.from > 0 || !('snap' in line) || line.base !== undefined;
  const stored = previous
    ? { record: { ...headOf(previous), transcript: previous.entries }, revision: previous.revision }
    : needsBase
      ? await files.readStored(line.s, line.id).catch(() => undefined)
      : undefined;
  const skip = (why: string) =>
    onError?.(
      new AppError(
        'corrupt_record',
        500,
        `journal replay: session "${line.id}" of tenant "${line.s}" ${why}; that write is skipped`,
      ),
    );
  // Nothing to build on: the files were lost or damaged. The rest of the journal still replays.
  if (needsBase && !stored)
    return skip(`has no readable files to apply its write from transcript entry ${line.from} to`);
  // Refused when it was written: it built on a write that failed.
  if (line.base !== undefined && line.base !== stored!.revision) return;
  const from = line.from >= 0 ? line.from : undefined;
  let snapshot = stored?.record.snapshot;
  if ('snap' in line) snapshot = (line.snap ?? undefined) as SessionRecord['snapshot'];
  else if (line.chg) {
    try {
      snapshot = applyChange(snapshot, line.chg) as SessionRecord['snapshot'];
    } catch (error) {
      return skip(`has a snapshot change that does not apply: ${(error as Error).message}`);
    }
  }
  into.dirty.set(k, {
    tenant: line.s,
    id: line.id,
    head: JSON.stringify(line.head),
    snapshot,
    revision: line.rev,
    entries: from ? stored!.record.transcript.slice(0, from).concat(line.tail) : line.tail,
    base: 0,
    from: previous ? earliest(previous.from, from) : from,
  });
  into.revisions.set(k, line.rev);
}
