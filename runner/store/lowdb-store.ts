import { readdir, rm } from 'node:fs/promises';
import type { SessionInfo } from '../../schemas/protocol.ts';
import { AppError, invalid } from '../errors.ts';
import { KeyedLock } from './keyed-lock.ts';
import { readJson, storeError, writeJson } from './json-file.ts';
import { SessionHeads } from './session-heads.ts';
import { SessionIndex } from './session-index.ts';
import { readTranscript, writeTranscript, type TranscriptParts } from './transcript-log.ts';
import { StorePaths, segment } from './store-paths.ts';
import type { SessionRecord, Store, StoredGraph } from './types.ts';

export class StaleFenceError extends AppError {
  constructor(sessionId: string, fence: number, current: number) {
    super('stale_fence', 409, `session "${sessionId}" write rejected: fence ${fence} is older than ${current}`, { sessionId, fence, current });
  }
}

/** The session file: the record with only its recent transcript entries (see transcript-log.ts). */
type SessionHead = Omit<SessionRecord, 'transcript'> & TranscriptParts;

const MAX_MEMORY_KEYS = 1000;
const MAX_MEMORY_KEY = 200;
const MAX_MEMORY_VALUE = 10_000;

/**
 * The embedded store: lowdb JSON files under one data dir, one file per session, per graph
 * version and per user memory, written atomically (temp file + rename); a session's older
 * transcript entries are appended to a log, so a turn's write does not grow with the session's
 * history. Session summaries live
 * in a per-tenant append-only index, so persisting a turn touches one session file and appends
 * one index line, whatever the number of stored sessions.
 *
 *   <dir>/tenants/<tenant>/sessions/<id>.json        SessionRecord with its recent transcript entries
 *   <dir>/tenants/<tenant>/sessions/<id>.log.jsonl   newer versions of it, appended (see session-heads.ts)
 *   <dir>/tenants/<tenant>/sessions/<id>.transcript.jsonl  older entries, appended a chunk at a time
 *   <dir>/tenants/<tenant>/sessions/<id>.fence.json  highest fence seen (cluster owners only)
 *   <dir>/tenants/<tenant>/sessions.index.jsonl      summaries, append-only
 *   <dir>/tenants/<tenant>/graphs/<id>/<version>.json
 *   <dir>/tenants/<tenant>/memory/<user>.json
 */
export class LowdbStore implements Store {
  private readonly paths: StorePaths;
  private readonly lock = new KeyedLock();
  private readonly index: SessionIndex;
  private readonly heads = new SessionHeads();

  constructor(readonly dir: string) {
    this.paths = new StorePaths(dir);
    this.index = new SessionIndex((tenant) => this.paths.sessionIndex(tenant));
  }

  // ---- graphs ----

  async listGraphs(tenant: string): Promise<StoredGraph[]> {
    const ids = await this.dirNames(this.paths.graphsDir(tenant));
    const latest = await Promise.all(ids.filter(isSegment).map((id) => this.getGraph(tenant, id)));
    return latest.filter((g): g is StoredGraph => g !== undefined).sort((a, b) => a.id.localeCompare(b.id));
  }

  async getGraph(tenant: string, id: string, version?: number): Promise<StoredGraph | undefined> {
    const v = version ?? (await this.listGraphVersions(tenant, id)).at(-1);
    if (v === undefined) return undefined;
    return readJson<StoredGraph>(this.paths.graphFile(tenant, id, v), `graph "${id}" version ${v}`);
  }

  async listGraphVersions(tenant: string, id: string): Promise<number[]> {
    const files = await this.dirNames(this.paths.graphDir(tenant, id));
    return files
      .map((f) => /^(\d+)\.json$/.exec(f)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async putGraph(record: StoredGraph): Promise<void> {
    const path = this.paths.graphFile(record.tenant, record.id, record.version);
    await this.lock.run(path, () => writeJson(path, record, `graph "${record.id}" version ${record.version}`));
  }

  async deleteGraph(tenant: string, id: string): Promise<void> {
    const dir = this.paths.graphDir(tenant, id);
    await this.lock.run(dir, () => rm(dir, { recursive: true, force: true }).catch((e) => Promise.reject(storeError('delete', `graph "${id}"`, e))));
  }

  // ---- sessions ----

  async getSession(tenant: string, id: string): Promise<SessionRecord | undefined> {
    const head = await this.heads.read<SessionHead>(this.paths.sessionFile(tenant, id), `session "${id}"`);
    if (!head) return undefined;
    const { logged, recent, ...rest } = head;
    const transcript = await readTranscript(this.paths.transcriptFile(tenant, id), { logged, recent }, `the transcript of session "${id}"`);
    return { ...rest, transcript };
  }

  async listSessions(tenant: string, filter: { graphId?: string; state?: string; user?: string } = {}): Promise<SessionInfo[]> {
    segment('tenant', tenant);
    return (await this.index.list(tenant))
      .filter(
        (s) =>
          (filter.graphId === undefined || s.graphId === filter.graphId) &&
          (filter.state === undefined || s.state === filter.state) &&
          (filter.user === undefined || s.user === filter.user),
      )
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async putSession(record: SessionRecord, options: { fence?: number; transcriptFrom?: number } = {}): Promise<void> {
    const { tenant, id } = record.info;
    const path = this.paths.sessionFile(tenant, id);
    const fence = options.fence;
    if (fence !== undefined && !Number.isFinite(fence)) throw invalid(`fence ${fence} must be a number`);
    await this.lock.run(path, async () => {
      if (fence !== undefined) await this.checkFence(tenant, id, fence);
      // Log first: until the session file names the new count, extra log lines are ignored.
      const { transcript, ...rest } = record;
      const parts = await writeTranscript(this.paths.transcriptFile(tenant, id), transcript, options.transcriptFrom, `the transcript of session "${id}"`);
      const head: SessionHead = { ...rest, ...parts };
      await this.heads.write(path, head, options.transcriptFrom !== undefined, `session "${id}"`);
    });
    await this.index.put(tenant, record.info);
  }

  async deleteSession(tenant: string, id: string): Promise<void> {
    const path = this.paths.sessionFile(tenant, id);
    await this.lock.run(path, async () => {
      try {
        await rm(path, { force: true });
        await this.heads.remove(path);
        await rm(this.paths.transcriptFile(tenant, id), { force: true });
        await rm(this.fenceFile(tenant, id), { force: true });
      } catch (error) {
        throw storeError('delete', `session "${id}"`, error);
      }
    });
    await this.index.remove(tenant, id);
  }

  // ---- memory ----

  async getMemory(tenant: string, user: string): Promise<Record<string, string>> {
    return (await readJson<Record<string, string>>(this.paths.memoryFile(tenant, user), `the memory of user "${user}"`)) ?? {};
  }

  async setMemory(tenant: string, user: string, key: string, value: string): Promise<void> {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_MEMORY_KEY) throw invalid(`memory key must be 1-${MAX_MEMORY_KEY} characters`, { field: 'key' });
    if (typeof value !== 'string' || value.length > MAX_MEMORY_VALUE) throw invalid(`memory value must be at most ${MAX_MEMORY_VALUE} characters`, { field: 'value' });
    const path = this.paths.memoryFile(tenant, user);
    await this.lock.run(path, async () => {
      const memory = await this.getMemory(tenant, user);
      if (!(key in memory) && Object.keys(memory).length >= MAX_MEMORY_KEYS) {
        throw invalid(`the memory of user "${user}" is full: at most ${MAX_MEMORY_KEYS} keys`, { limit: MAX_MEMORY_KEYS });
      }
      memory[key] = value;
      await writeJson(path, memory, `the memory of user "${user}"`);
    });
  }

  // ---- retention ----

  async prune(policy: { maxAgeMs?: number; maxSessionsPerTenant?: number }): Promise<number> {
    let pruned = 0;
    for (const tenant of (await this.dirNames(this.paths.tenantsDir())).filter(isSegment)) {
      const sessions = (await this.listSessions(tenant)).sort((a, b) => a.lastActiveAt - b.lastActiveAt);
      const doomed = new Set<string>();
      if (policy.maxAgeMs !== undefined) {
        const cutoff = Date.now() - policy.maxAgeMs;
        for (const s of sessions) if (s.lastActiveAt < cutoff) doomed.add(s.id);
      }
      if (policy.maxSessionsPerTenant !== undefined) {
        for (const s of sessions.slice(0, Math.max(0, sessions.length - policy.maxSessionsPerTenant))) doomed.add(s.id);
      }
      for (const id of doomed) await this.deleteSession(tenant, id);
      pruned += doomed.size;
    }
    return pruned;
  }

  async close(): Promise<void> {
    await this.lock.drain();
  }

  // ---- helpers ----

  private fenceFile(tenant: string, id: string): string {
    return this.paths.sessionFile(tenant, id).replace(/\.json$/, '.fence.json');
  }

  /** Raises the stored fence to `fence`, or rejects when a newer owner has written. */
  private async checkFence(tenant: string, id: string, fence: number): Promise<void> {
    const file = this.fenceFile(tenant, id);
    const current = (await readJson<number>(file, `the fence of session "${id}"`)) ?? -Infinity;
    if (fence < current) throw new StaleFenceError(id, fence, current);
    if (fence > current) await writeJson(file, fence, `the fence of session "${id}"`);
  }

  private async dirNames(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeError('read', 'a store folder', error);
    }
  }
}

const isSegment = (name: string) => /^[A-Za-z0-9_-]{1,64}$/.test(name);
