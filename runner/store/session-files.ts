import { rm } from 'node:fs/promises';
import type { SessionInfo } from '../../schemas/protocol.ts';
import { KeyedLock } from './keyed-lock.ts';
import { storeError } from './json-file.ts';
import { SessionHeads } from './session-heads.ts';
import { SessionIndex } from './session-index.ts';
import { readTranscript, writeTranscript, type TranscriptParts } from './transcript-log.ts';
import type { StorePaths } from './store-paths.ts';
import type { SessionRecord } from './types.ts';

/**
 * The session file: the record with only its recent transcript entries (see transcript-log.ts),
 * and the revision of the write it holds (see SessionWrite).
 */
type SessionHead = Omit<SessionRecord, 'transcript'> & TranscriptParts & { rev?: string };

/**
 * Sessions as files, one set per session, plus a per-tenant index of summaries; every write
 * touches one session's files and appends one index line, whatever the number of stored sessions.
 *
 *   <dir>/tenants/<tenant>/sessions/<id>.json        SessionRecord with its recent transcript entries
 *   <dir>/tenants/<tenant>/sessions/<id>.log.jsonl   newer versions of it, appended (see session-heads.ts)
 *   <dir>/tenants/<tenant>/sessions/<id>.transcript.jsonl  older entries, appended a chunk at a time
 *   <dir>/tenants/<tenant>/sessions.index.jsonl      summaries, append-only
 */
export class SessionFiles {
  readonly lock = new KeyedLock();
  private readonly index: SessionIndex;
  private readonly heads = new SessionHeads();

  constructor(private readonly paths: StorePaths) {
    this.index = new SessionIndex((tenant) => this.paths.sessionIndex(tenant));
  }

  async read(tenant: string, id: string): Promise<SessionRecord | undefined> {
    return (await this.readStored(tenant, id))?.record;
  }

  /** The record and the revision of the write it holds (undefined when written before revisions). */
  async readStored(
    tenant: string,
    id: string,
  ): Promise<{ record: SessionRecord; revision: string | undefined } | undefined> {
    const head = await this.heads.read<SessionHead>(this.paths.sessionFile(tenant, id), `session "${id}"`);
    if (!head) return undefined;
    const { logged, recent, rev, ...rest } = head;
    const transcript = await readTranscript(
      this.paths.transcriptFile(tenant, id),
      { logged, recent },
      `the transcript of session "${id}"`,
    );
    return { record: { ...rest, transcript }, revision: rev };
  }

  /**
   * Written by this process lately, so its next write appends to its files; any other write
   * creates or replaces them, which costs several times as much (file creation, rename).
   */
  hot(tenant: string, id: string): boolean {
    return this.heads.has(this.paths.sessionFile(tenant, id));
  }

  list(tenant: string): Promise<SessionInfo[]> {
    return this.index.list(tenant);
  }

  /**
   * `transcriptFrom`: entries before it are in the files already. `still()` is asked under the
   * session's lock, right before writing: false means the record went stale (deleted meanwhile).
   */
  async write(
    record: SessionRecord,
    revision: string | undefined,
    transcriptFrom: number | undefined,
    still: () => boolean = () => true,
  ): Promise<boolean> {
    const { tenant, id } = record.info;
    const path = this.paths.sessionFile(tenant, id);
    const wrote = await this.lock.run(path, async () => {
      if (!still()) return false;
      // Log first: until the session file names the new count, extra log lines are ignored.
      const { transcript, ...rest } = record;
      const parts = await writeTranscript(
        this.paths.transcriptFile(tenant, id),
        transcript,
        transcriptFrom,
        `the transcript of session "${id}"`,
      );
      await this.heads.write(
        path,
        { ...rest, ...parts, ...(revision === undefined ? {} : { rev: revision }) },
        transcriptFrom !== undefined,
        `session "${id}"`,
      );
      return true;
    });
    if (wrote) await this.index.put(tenant, record.info);
    return wrote;
  }

  async remove(tenant: string, id: string): Promise<void> {
    const path = this.paths.sessionFile(tenant, id);
    await this.lock.run(path, async () => {
      try {
        await rm(path, { force: true });
        await this.heads.remove(path);
        await rm(this.paths.transcriptFile(tenant, id), { force: true });
        await rm(fenceFile(path), { force: true });
      } catch (error) {
        throw storeError('delete', `session "${id}"`, error);
      }
    });
    await this.index.remove(tenant, id);
  }

  /** Drops removed sessions' old summaries from the tenant's index (erasure). */
  forgetRemoved(tenant: string): Promise<void> {
    return this.index.compactNow(tenant);
  }

  fenceFile(tenant: string, id: string): string {
    return fenceFile(this.paths.sessionFile(tenant, id));
  }
}

const fenceFile = (sessionFile: string) => sessionFile.replace(/\.json$/, '.fence.json');
