import { randomBytes } from 'node:crypto';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import { invalid } from '../errors.ts';
import type { KeySnapshot } from '../runtime/types.ts';
import type { SnapshotChange } from '../sessions/snapshot-change.ts';
import type { InboxItem, SessionRecord } from './types.ts';

/**
 * One write of one session, as the session writer (sessions/session-writer.ts) makes it. It says
 * what the record is after the write and how that differs from the state it builds on, part by
 * part. A store applies it as one unit: all of it or nothing.
 *
 * | part | what the store does |
 * | --- | --- |
 * | `info`, `inbox` | replaces them |
 * | `transcript` | replaces it (`whole`), or keeps its first `from` entries and writes the rest (`from`) |
 * | `snapshot` | keeps it, replaces it, or applies a change to it |
 * | `accepted` | keeps the last `keep` stored ids and appends the rest of `ids` |
 * | `base` | refuses the write (`store_conflict`) unless the stored revision is `base` |
 * | `revision` | stores it: the writer's next write names it as its `base` |
 * | `fence` | refuses the write (`stale_fence`) if a higher fence was ever stored; raises it |
 *
 * Without a `base`, a write builds on nothing: it carries every part whole (`snapshot` is `whole`,
 * `accepted.keep` is 0), except the transcript, whose stored head the writer may still know.
 * With one, the parts that are not whole describe a change from that revision: a store that
 * could apply them to another state refuses the write instead, and changes nothing.
 *
 * The objects are the writer's: a store must not change them, and reads the transcript no further
 * than `length` (the writer may append to that array meanwhile).
 */
export interface SessionWrite {
  info: SessionInfo;
  inbox: readonly InboxItem[] | undefined;
  transcript: TranscriptWrite;
  snapshot: SnapshotWrite;
  accepted: AcceptedWrite;
  /** The revision this write builds on; undefined: none (see above). */
  base: string | undefined;
  /** This write's revision, unique across writers (see newRevision). */
  revision: string;
  /** The writer's fencing token for this session (cluster mode); undefined: not checked. */
  fence: number | undefined;
}

/** The transcript after the write: entries `[0, length)`. */
export type TranscriptWrite =
  /** Written whole: `entries[i]` is entry i. */
  | { kind: 'whole'; entries: readonly MessageEvent[]; length: number }
  /**
   * Entries before `from` are stored already and unchanged; those from `from` on are new (a store
   * may hold some of them already, from an earlier try: it rewrites them). `entries[i]` is entry
   * `offset + i`, and `offset <= from <= length`. The writer carries WRITE_OVERLAP entries before
   * `from` when it has them, so a store that lacks a few of those can still be brought up to date.
   */
  | { kind: 'from'; from: number; offset: number; entries: readonly MessageEvent[]; length: number };

/** The agents' snapshot after the write (`value`), and how to get there from the base's. */
export type SnapshotWrite =
  /** The same as the base's. */
  | { kind: 'unchanged'; value: KeySnapshot | undefined }
  /** Written whole; undefined removes it. */
  | { kind: 'whole'; value: KeySnapshot | undefined }
  /** `change` applied to the base's snapshot gives `value` (sessions/snapshot-change.ts). */
  | { kind: 'change'; value: KeySnapshot; change: SnapshotChange };

/**
 * The ids of the user messages accepted, oldest first (`ids`), after the write. The first `keep` of
 * them are the last `keep` ids stored; the rest are new. A session only drops its oldest ids and
 * adds new ones, so this is its usual change; `keep` 0 writes the list whole.
 */
export interface AcceptedWrite {
  ids: readonly string[];
  keep: number;
}

/** Entries a write from an index carries before it, when it has them (see TranscriptWrite). */
export const WRITE_OVERLAP = 64;

/** Revisions are unique across processes: a random part per process, then a counter. */
const PROCESS = randomBytes(4).toString('base64url');
let revisions = 0;

export function newRevision(): string {
  return `${PROCESS}${(revisions++).toString(36)}`;
}

/**
 * A record written as it is, building on nothing: what a migration, a tool or a test writes.
 * `from`: the stored transcript's first entries up to this index are the record's already
 * (`offset`: the record's transcript starts at that entry).
 */
export function recordWrite(
  record: SessionRecord,
  options: { fence?: number; from?: number; offset?: number } = {},
): SessionWrite {
  const { transcript } = record;
  const offset = options.offset ?? 0;
  if (options.from === undefined && offset > 0)
    throw invalid(`session "${record.info.id}": a transcript from entry ${offset} on can only add to what is stored`);
  const length = offset + transcript.length;
  return {
    info: record.info,
    inbox: record.inbox,
    transcript:
      options.from === undefined
        ? { kind: 'whole', entries: transcript, length }
        : { kind: 'from', from: options.from, offset, entries: transcript, length },
    snapshot: { kind: 'whole', value: record.snapshot },
    accepted: { ids: record.acceptedMessageIds, keep: 0 },
    base: undefined,
    revision: newRevision(),
    fence: options.fence,
  };
}
