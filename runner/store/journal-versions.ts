import type { SnapshotChange } from '../sessions/snapshot-change.ts';
import type { SessionRecord } from './types.ts';

/** A session whose latest version is in the journal but not yet in its files. */
export interface Dirty {
  tenant: string;
  id: string;
  /** The record without transcript and snapshot, as written (the caller keeps mutating its own). */
  head: string;
  /** Shared with the caller, which replaces its snapshot rather than changing it. */
  snapshot: SessionRecord['snapshot'];
  /** The revision of the write this version is (see SessionWrite); undefined: written before revisions. */
  revision: string | undefined;
  /**
   * The transcript from `base` on: what the files lack, from the start of its log chunk (see
   * transcript-log.ts), so a long history is not copied on every write.
   */
  entries: SessionRecord['transcript'];
  base: number;
  /** Transcript entries before this index are in the files already; undefined: none are known to be. */
  from: number | undefined;
  /**
   * Set when a checkpoint took this session and a newer write came in meanwhile: the entries
   * that write and the ones after it changed, counted against the version being checkpointed.
   * Once that version is in the files, this is what they lack.
   */
  sinceFold?: { from: number | undefined };
}

/**
 * A journal line. A put carries the write as it came: the head whole, the snapshot whole (`snap`),
 * as a change to the base's (`chg`) or not at all (unchanged), the transcript from `from` (-1:
 * whole), and the revisions it is (`rev`) and builds on (`base`).
 */
export type Line =
  | {
      t: 'put';
      s: string;
      id: string;
      from: number;
      rev?: string;
      base?: string;
      head: Omit<SessionRecord, 'transcript' | 'snapshot'>;
      snap?: unknown;
      chg?: SnapshotChange;
      tail: SessionRecord['transcript'];
    }
  | { t: 'del'; s: string; id: string };

export const key = (tenant: string, id: string) => `${tenant}\u0000${id}`;

export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : Math.min(a, b);
}

export function headOf(d: Dirty): Omit<SessionRecord, 'transcript'> {
  const head = JSON.parse(d.head) as Omit<SessionRecord, 'transcript' | 'snapshot'>;
  return d.snapshot ? { ...head, snapshot: d.snapshot } : head;
}

/** What a checkpoint writes: only indexes from `base` on are read (see writeTranscript). */
export function writable(d: Dirty): SessionRecord {
  return {
    ...headOf(d),
    transcript: d.base ? (new Array(d.base) as SessionRecord['transcript']).concat(d.entries) : d.entries,
  };
}
