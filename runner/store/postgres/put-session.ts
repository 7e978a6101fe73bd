import { randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import type { SessionInfo } from '../../../schemas/protocol.ts';
import { AppError, invalid } from '../../errors.ts';
import { StaleFenceError } from '../errors.ts';
import { KeyedLock } from '../keyed-lock.ts';
import { changeOf } from '../snapshot-change.ts';
import { toPgJson, toPgText } from './pg-text.ts';
import { segment } from '../store-paths.ts';
import type { PutSessionOptions, SessionRecord } from '../types.ts';

/** A snapshot is written whole after this many changes, so reading it applies at most as many. */
export const MAX_SNAPSHOT_CHANGES = 32;

/** What one write sends, taken from the record when the write is asked for (the caller goes on changing its session). */
interface Taken {
  tenant: string;
  id: string;
  info: SessionInfo;
  infoJson: string;
  inboxJson: string;
  accepted: string[];
  snapshot: SessionRecord['snapshot'];
  transcript: SessionRecord['transcript'];
  offset: number;
  length: number;
  asked: number | undefined;
  fence: number | undefined;
}

/** What this writer last stored of a live record. */
interface Written {
  revision: string;
  snapshot: SessionRecord['snapshot'];
  /** How many changes the stored snapshot has had since it was written whole. */
  changes: number;
  /** How long the stored transcript is. */
  length: number;
}

/**
 * Session writes to PostgreSQL: one call of sb_put_session (migrations/001_initial.sql) per write,
 * carrying what changed since this writer's last write of the same live record (known by its
 * `info` object): the transcript entries from `transcriptFrom`, the snapshot as its change from the
 * last one written (whole every MAX_SNAPSHOT_CHANGES writes), the session row's small columns.
 * Writes of one session go one at a time, in call order (the pool would otherwise reorder them);
 * each names the revision it builds on, and the database refuses it when that is not what is
 * stored (an earlier write failed, or another writer came between): it then fails, and the next
 * write sends everything.
 */
export class SessionWriter {
  private readonly written = new WeakMap<SessionInfo, Written>();
  private readonly order = new KeyedLock();
  /** Revisions are unique across writers: a random prefix for this writer, then a counter. */
  private readonly writer = randomBytes(4).toString('base64url');
  private revisions = 0;

  constructor(private readonly sql: Sql) {}

  /** Reads the record now (a bad id is refused here), writes it after the session's earlier writes. */
  async put(record: SessionRecord, options: PutSessionOptions): Promise<void> {
    const taken = take(record, options);
    return this.order.run(`${taken.tenant}/${taken.id}`, () => this.write(taken));
  }

  private async write(t: Taken): Promise<void> {
    const prior = this.written.get(t.info);
    // What this writer stored last is there unless the write fails: it may start past `asked`.
    const from = t.asked === undefined || !prior ? t.asked : Math.max(t.asked, Math.min(prior.length, t.length));
    const change =
      prior &&
      prior.snapshot !== undefined &&
      t.snapshot !== undefined &&
      prior.snapshot !== t.snapshot &&
      prior.changes < MAX_SNAPSHOT_CHANGES
        ? changeOf(prior.snapshot, t.snapshot)
        : undefined;
    const kept = prior !== undefined && prior.snapshot === t.snapshot;
    const whole = change === undefined || '=' in change;
    const [kind, snapshotJson] = kept
      ? ['keep', null]
      : t.snapshot === undefined
        ? ['none', null]
        : whole
          ? ['whole', toPgJson(t.snapshot)]
          : ['change', toPgJson(change)];
    const revision = `${this.writer}${(this.revisions++).toString(36)}`;
    this.written.delete(t.info);
    try {
      await this.call(t, prior?.revision ?? null, revision, kind, snapshotJson, from);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SBSHO') {
        // The stored transcript is shorter than this writer believed: send what it lacks, if the writer has it.
        const stored = Number((error as { detail?: string }).detail);
        if (stored < t.offset)
          throw new AppError(
            'corrupt_record',
            500,
            `session "${t.id}": the stored transcript has ${stored} entries, this write starts at ${t.offset}`,
          );
        await this.call(
          t,
          prior?.revision ?? null,
          revision,
          kind,
          snapshotJson,
          t.offset === 0 ? undefined : stored,
        ).catch((e: unknown) => Promise.reject(refusal(t, e)));
      } else throw refusal(t, error);
    }
    this.written.set(t.info, {
      revision,
      snapshot: t.snapshot,
      changes: kept ? prior.changes : whole ? 0 : prior!.changes + 1,
      length: t.length,
    });
  }

  private async call(
    t: Taken,
    base: string | null,
    revision: string,
    kind: string,
    snapshotJson: string | null,
    from: number | undefined,
  ): Promise<void> {
    const entries: string[] = [];
    for (let i = (from ?? 0) - t.offset; i < t.length - t.offset; i++) entries.push(toPgJson(t.transcript[i]));
    await this
      .sql`SELECT sb_put_session(${t.tenant}, ${t.id}, ${t.fence ?? null}::bigint, ${t.infoJson}::text, ${base}::text, ${revision}::text, ${t.inboxJson}::text, ${kind}::text, ${snapshotJson}::text, ${t.accepted}::text[], ${from ?? null}::integer, ${entries}::text[])`;
  }
}

/** Everything a write needs from the record, read now: the caller changes its session after this returns. */
function take(record: SessionRecord, options: PutSessionOptions): Taken {
  const { info, transcript } = record;
  segment('tenant', info.tenant);
  segment('session', info.id);
  const fence = options.fence;
  if (fence !== undefined && !Number.isSafeInteger(fence))
    throw invalid(`fence ${fence} must be an integer`, { field: 'fence' });
  const offset = options.transcriptOffset ?? 0;
  const length = offset + transcript.length;
  const asked =
    options.transcriptFrom !== undefined && options.transcriptFrom >= offset && options.transcriptFrom <= length
      ? options.transcriptFrom
      : undefined;
  if (asked === undefined && offset > 0)
    throw invalid(`session "${info.id}": a transcript from entry ${offset} on can only add to what is stored`);
  return {
    tenant: info.tenant,
    id: info.id,
    info,
    infoJson: toPgJson(info),
    inboxJson: toPgJson(record.inbox ?? null),
    accepted: record.acceptedMessageIds.map(toPgText),
    snapshot: record.snapshot,
    transcript,
    offset,
    length,
    asked,
    fence,
  };
}

/** The database's refusal as the store's error. */
function refusal(t: Taken, error: unknown): unknown {
  const { code, detail } = error as { code?: string; detail?: string };
  if (code === 'SBFEN') return new StaleFenceError(t.id, t.fence!, Number(detail));
  if (code === 'SBCON')
    return new AppError(
      'store_conflict',
      503,
      `session "${t.id}" changed in the store since this process last wrote it (or that write failed); the next write sends it whole`,
    );
  return error;
}
