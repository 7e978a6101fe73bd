import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionInfo } from '../../schemas/protocol.ts';
import { AppError, invalid } from '../errors.ts';
import { StaleFenceError } from './errors.ts';
import { InFlight } from './in-flight.ts';
import { JournaledSessions } from './journaled-sessions.ts';
import { KeyedLock } from './keyed-lock.ts';
import { readJson, storeError, writeJson } from './json-file.ts';
import { SessionFiles } from './session-files.ts';
import { StorePaths, segment } from './store-paths.ts';
import type { SessionWrite } from './session-write.ts';
import type { LoadedSession, SessionRecord, Store, StoredGraph } from './types.ts';
import { checkMemoryEntry, MAX_MEMORY_KEYS, memoryFull } from './memory-limits.ts';

export interface LowdbStoreOptions {
  /** A background checkpoint of session writes failed (they stay safe in the journal). */
  onError?: (error: unknown) => void;
}

/**
 * The embedded store: lowdb JSON files under one data dir, one file per graph version and per
 * user memory, written atomically (temp file + rename). Sessions, written on every turn, go
 * through a journal first (see journaled-sessions.ts) and reach their own files (see
 * session-files.ts) at checkpoints, so a turn's write costs a share of one append, whatever the
 * number of stored sessions or the length of their history.
 *
 *   <dir>/journal/<seq>.jsonl                        session writes not yet checkpointed
 *   <dir>/tenants/<tenant>/sessions/…                sessions (session-files.ts)
 *   <dir>/tenants/<tenant>/sessions/<id>.fence.json  highest fence seen (cluster owners only)
 *   <dir>/tenants/<tenant>/graphs/<id>/<version>.json
 *   <dir>/tenants/<tenant>/memory/<user>.json
 */
export class LowdbStore implements Store {
  private readonly paths: StorePaths;
  private readonly lock = new KeyedLock();
  private readonly files: SessionFiles;
  private readonly sessions: JournaledSessions;
  private readonly writes = new InFlight();

  constructor(
    readonly dir: string,
    options: LowdbStoreOptions = {},
  ) {
    this.paths = new StorePaths(dir);
    this.files = new SessionFiles(this.paths);
    this.sessions = new JournaledSessions(join(dir, 'journal'), this.files, options);
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

  putGraph(record: StoredGraph): Promise<void> {
    return this.writes.run(async () => {
      const path = this.paths.graphFile(record.tenant, record.id, record.version);
      await this.lock.run(path, () => writeJson(path, record, `graph "${record.id}" version ${record.version}`));
    });
  }

  deleteGraph(tenant: string, id: string): Promise<void> {
    return this.writes.run(async () => {
      const dir = this.paths.graphDir(tenant, id);
      await this.lock.run(dir, () =>
        rm(dir, { recursive: true, force: true }).catch((e) =>
          Promise.reject(storeError('delete', `graph "${id}"`, e)),
        ),
      );
    });
  }

  // ---- sessions ----

  async getSession(tenant: string, id: string): Promise<SessionRecord | undefined> {
    sessionIds(tenant, id); // refuses ids that could leave the data dir
    return await this.sessions.get(tenant, id);
  }

  async loadSession(tenant: string, id: string): Promise<LoadedSession | undefined> {
    sessionIds(tenant, id);
    return await this.sessions.load(tenant, id);
  }

  async listSessions(
    tenant: string,
    filter: { graphId?: string; state?: string; user?: string } = {},
  ): Promise<SessionInfo[]> {
    segment('tenant', tenant);
    return (await this.sessions.list(tenant))
      .filter(
        (s) =>
          (filter.graphId === undefined || s.graphId === filter.graphId) &&
          (filter.state === undefined || s.state === filter.state) &&
          (filter.user === undefined || s.user === filter.user),
      )
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  putSession(write: SessionWrite): Promise<void> {
    return this.writes.run(() => this.writeSession(write));
  }

  release(tenant: string, id: string): void {
    this.sessions.release(tenant, id);
  }

  private async writeSession(write: SessionWrite): Promise<void> {
    const { tenant, id } = write.info;
    sessionIds(tenant, id);
    const { fence } = write;
    if (fence !== undefined) {
      if (!Number.isFinite(fence)) throw invalid(`fence ${fence} must be a number`);
      await this.files.lock.run(this.paths.sessionFile(tenant, id), () => this.checkFence(tenant, id, fence));
    }
    try {
      await this.sessions.put(write);
    } catch (error) {
      throw storeError('write', `session "${id}"`, error);
    }
  }

  deleteSession(tenant: string, id: string): Promise<void> {
    return this.writes.run(async () => {
      sessionIds(tenant, id);
      await this.sessions.remove(tenant, id);
    });
  }

  /** Writes every session changed since the last checkpoint to its own files now. */
  flush(): Promise<void> {
    return this.writes.run(() => this.sessions.flush());
  }

  // ---- memory ----

  async getMemory(tenant: string, user: string): Promise<Record<string, string>> {
    return (
      (await readJson<Record<string, string>>(this.paths.memoryFile(tenant, user), `the memory of user "${user}"`)) ??
      {}
    );
  }

  setMemory(tenant: string, user: string, key: string, value: string): Promise<void> {
    return this.writes.run(() => this.writeMemory(tenant, user, key, value));
  }

  private async writeMemory(tenant: string, user: string, key: string, value: string): Promise<void> {
    checkMemoryEntry(key, value);
    const path = this.paths.memoryFile(tenant, user);
    await this.lock.run(path, async () => {
      const memory = await this.getMemory(tenant, user);
      if (!(key in memory) && Object.keys(memory).length >= MAX_MEMORY_KEYS) {
        throw memoryFull(user);
      }
      memory[key] = value;
      await writeJson(path, memory, `the memory of user "${user}"`);
    });
  }

  /**
   * After the user's sessions were deleted: the journal segments that held their writes and the
   * index lines that named them go, and so does the user's memory.
   */
  async eraseUser(tenant: string, user: string): Promise<void> {
    await this.sessions.flush();
    await this.files.forgetRemoved(tenant);
    const path = this.paths.memoryFile(tenant, user);
    await this.lock.run(path, () =>
      rm(path, { force: true }).catch((e) => Promise.reject(storeError('delete', `the memory of user "${user}"`, e))),
    );
  }

  // ---- retention ----

  prune(policy: { maxAgeMs?: number; maxSessionsPerTenant?: number }): Promise<number> {
    return this.writes.run(() => this.pruneSessions(policy));
  }

  private async pruneSessions(policy: { maxAgeMs?: number; maxSessionsPerTenant?: number }): Promise<number> {
    await this.sessions.flush(); // tenants are found by their folders
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
    await this.writes.settled();
    await this.sessions.close();
    await this.files.lock.drain();
    await this.lock.drain();
  }

  // ---- helpers ----

  /** Raises the stored fence to `fence`, or rejects when a newer owner has written. */
  private async checkFence(tenant: string, id: string, fence: number): Promise<void> {
    const file = this.files.fenceFile(tenant, id);
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

/** The checks a session's file path makes, without building it: every write makes them. */
function sessionIds(tenant: string, id: string): void {
  segment('tenant', tenant);
  segment('session', id);
}

const isSegment = (name: string) => /^[A-Za-z0-9_-]{1,64}$/.test(name);
