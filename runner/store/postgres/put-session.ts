import type { Sql } from 'postgres';
import { AppError, invalid } from '../../errors.ts';
import { StaleFenceError } from '../errors.ts';
import { unavailable } from './unavailable.ts';
import { KeyedLock } from '../keyed-lock.ts';
import type { SessionWrite } from '../session-write.ts';
import { segment } from '../store-paths.ts';
import { toPgJson, toPgText } from './pg-text.ts';

/** The arguments of sb_put_session but the transcript's, read from the write when it is made. */
interface Head {
  tenant: string;
  id: string;
  fence: number | null;
  infoJson: string;
  base: string | null;
  revision: string;
  inboxJson: string;
  snapshotKind: 'keep' | 'none' | 'whole' | 'change';
  snapshotJson: string | null;
  accepted: string[];
}

/**
 * Session writes (store/session-write.ts) applied to PostgreSQL: one call of sb_put_session
 * (migrations/001_initial.sql) each, which checks the fence and the base revision and writes the
 * parts in one statement. It appends the new transcript rows and updates the session row; the
 * accepted ids (at most a hundred) are a column of that row, written whole. A session's writes
 * are applied one at a time, in the order they are made: the writer sends each before the last
 * one landed, and the pool would otherwise reorder them.
 */
export class SessionWrites {
  private readonly order = new KeyedLock();

  constructor(private readonly sql: Sql) {}

  /** Reads the write now (a bad id or range is refused here), applies it after the session's earlier writes. */
  async apply(write: SessionWrite): Promise<void> {
    const head = headOf(write);
    const { transcript } = write;
    const offset = transcript.kind === 'from' ? transcript.offset : 0;
    const from = transcript.kind === 'from' ? transcript.from : undefined;
    const { length } = transcript;
    if (from !== undefined && (from < offset || from > length))
      throw invalid(
        `session "${head.id}": a transcript from entry ${from} must lie between the write's first entry (${offset}) and its length (${length})`,
      );
    const entries = (start: number | undefined) => {
      const json: string[] = [];
      for (let i = (start ?? 0) - offset; i < length - offset; i++) json.push(toPgJson(transcript.entries[i]));
      return json;
    };
    return this.order.run(`${head.tenant}/${head.id}`, async () => {
      try {
        await this.call(head, from, entries(from));
      } catch (error) {
        if ((error as { code?: string }).code !== 'SBSHO') throw refusal(head, error);
        // The stored transcript is shorter than the writer believed: send what it lacks, if the write has it.
        const stored = Number((error as { detail?: string }).detail);
        if (stored < offset)
          throw new AppError(
            'corrupt_record',
            500,
            `session "${head.id}": the stored transcript has ${stored} entries, this write starts at ${offset}`,
          );
        const start = offset === 0 ? undefined : stored;
        await this.call(head, start, entries(start)).catch((e: unknown) => Promise.reject(refusal(head, e)));
      }
    });
  }

  private async call(h: Head, from: number | undefined, entries: string[]): Promise<void> {
    await this
      .sql`SELECT sb_put_session(${h.tenant}, ${h.id}, ${h.fence}::bigint, ${h.infoJson}::text, ${h.base}::text, ${h.revision}::text, ${h.inboxJson}::text, ${h.snapshotKind}::text, ${h.snapshotJson}::text, ${h.accepted}::text[], ${from ?? null}::integer, ${entries}::text[])`;
  }
}

/** Everything but the transcript, serialized now: the writer's session goes on changing after the call. */
function headOf(write: SessionWrite): Head {
  const { info, snapshot, fence } = write;
  if (fence !== undefined && !Number.isSafeInteger(fence))
    throw invalid(`fence ${fence} must be an integer`, { field: 'fence' });
  return {
    tenant: segment('tenant', info.tenant),
    id: segment('session', info.id),
    fence: fence ?? null,
    infoJson: toPgJson(info),
    base: write.base ?? null,
    revision: write.revision,
    inboxJson: toPgJson(write.inbox ?? null),
    ...(snapshot.kind === 'unchanged'
      ? { snapshotKind: 'keep', snapshotJson: null }
      : snapshot.kind === 'change'
        ? { snapshotKind: 'change', snapshotJson: toPgJson(snapshot.change) }
        : snapshot.value === undefined
          ? { snapshotKind: 'none', snapshotJson: null }
          : { snapshotKind: 'whole', snapshotJson: toPgJson(snapshot.value) }),
    accepted: write.accepted.ids.map(toPgText),
  };
}

/** The database's refusal as the store's error. */
function refusal(h: Head, error: unknown): unknown {
  const { code, detail } = error as { code?: string; detail?: string };
  if (code === 'SBFEN') return new StaleFenceError(h.id, h.fence!, Number(detail));
  if (code === 'SBCON')
    return new AppError(
      'store_conflict',
      503,
      `session "${h.id}" changed in the store since the write this one builds on (or that write failed); the next write sends it whole`,
    );
  return unavailable(`write session "${h.id}"`, error);
}
