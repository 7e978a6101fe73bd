import { notFound } from '../errors.ts';
import type { AgentRuntime } from '../runtime/types.ts';
import type { SessionStore } from '../store/types.ts';
import type { Instruments } from '../telemetry/instruments.ts';
import { canAccess, loadKey } from './access.ts';
import { snapshotOf } from './agent-snapshot.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { LiveSession } from './live-session.ts';
import { checkSessionId } from './session-checks.ts';
import type { SessionWriter } from './session-writer.ts';
import type { Caller } from './types.ts';

export interface ResidencyDeps {
  sessions: SessionStore;
  runtime: AgentRuntime;
  writer: SessionWriter;
  /** A quiet session's agents are checkpointed and freed after this long. */
  idleTimeoutMs: number;
  /** A quiet session nobody listens to is dropped from memory after this long (0: at once). */
  pageOutMs: number;
  /** Starts the waiting turn of a session just loaded. */
  pump(s: LiveSession): void;
  /** Counts sessions whose agents were freed for being idle. */
  instruments?: Instruments;
}

/**
 * Which sessions are in memory and which have agents in the runtime: sessions load lazily from
 * the store, a quiet one frees its agents after the idle timeout and leaves memory when nobody
 * listens to it.
 */
export class Residency {
  readonly live = new Map<string, LiveSession>();
  private readonly loading = new Map<string, Promise<LiveSession | undefined>>();
  /** Sessions whose agents may be in the runtime (a turn ran and they were not freed since). */
  readonly loaded = new Set<string>();
  private readonly idle: DeadlineQueue;
  private readonly pageOut: DeadlineQueue;
  /** Shutting down: nothing pages out or starts any more. */
  stopped = false;

  constructor(private readonly deps: ResidencyDeps) {
    this.idle = new DeadlineQueue(deps.idleTimeoutMs, (id) => void this.freeAgents(id));
    this.pageOut = new DeadlineQueue(deps.pageOutMs, (id) => void this.dropFromMemory(id));
  }

  /**
   * Runs `task` on the caller's session, from memory or lazily from the store; a foreign one is
   * "not found". The session cannot be paged out while a task holds it.
   */
  async using<T>(caller: Caller, id: string, task: (s: LiveSession) => Promise<T>): Promise<T> {
    checkSessionId(id);
    let s = this.live.get(id);
    if (s) s.busy++;
    else {
      s = await this.load(caller.tenant, id);
      if (s) s.busy++;
    }
    if (!s || !canAccess(caller, s.info)) {
      if (s) s.busy--;
      throw notFound('session', id);
    }
    try {
      return await task(s);
    } finally {
      s.busy--;
      this.scheduleQuiet(s);
    }
  }

  /** A quiet session frees its agents after the idle timeout, and leaves memory when nobody listens. */
  scheduleQuiet(s: LiveSession): void {
    if (!s.quiet || s.busy || s.closed || this.stopped || this.live.get(s.id) !== s) return;
    if (this.loaded.has(s.id)) this.idle.touch(s.id);
    if (s.listeners.size === 0) {
      if (this.deps.pageOutMs === 0) void this.dropFromMemory(s.id);
      else this.pageOut.touch(s.id);
    }
  }

  forgetTimers(id: string): void {
    this.idle.delete(id);
    this.pageOut.delete(id);
  }

  /** Takes the session out of memory and its agents out of the runtime. */
  async remove(s: LiveSession): Promise<void> {
    this.forgetTimers(s.id);
    this.live.delete(s.id);
    if (this.loaded.delete(s.id)) await this.deps.runtime.closeKey(s.id);
  }

  stop(): void {
    this.stopped = true;
    this.idle.clear();
    this.pageOut.clear();
  }

  private async load(tenant: string, id: string): Promise<LiveSession | undefined> {
    const key = loadKey(tenant, id);
    let pending: Promise<LiveSession | undefined> | undefined = this.loading.get(key);
    if (!pending) {
      pending = this.loadFromStore(tenant, id);
      this.loading.set(key, pending);
      void pending.finally(() => this.loading.delete(key)).catch(() => undefined);
    }
    const s = await pending;
    return s?.info.tenant === tenant ? s : undefined;
  }

  private async loadFromStore(tenant: string, id: string): Promise<LiveSession | undefined> {
    const loaded = await this.deps.sessions.loadSession(tenant, id);
    if (!loaded) return undefined;
    const existing = this.live.get(id);
    if (existing) return existing;
    const s = new LiveSession(loaded.record, loaded.transcriptOffset);
    this.deps.writer.adopt(s, loaded);
    // Read, not kept: nothing writes a closed session from memory.
    if (s.closed) {
      this.deps.writer.release(s);
      return s;
    }
    this.live.set(id, s);
    // A turn interrupted by a restart or a shutdown continues; waiting messages follow it.
    if (s.info.state !== 'idle') s.setState('idle');
    if (s.inbox.length) this.deps.pump(s);
    return s;
  }

  private async freeAgents(id: string): Promise<void> {
    const s = this.live.get(id);
    if (!s || !s.quiet || !this.loaded.has(id)) return;
    await s.saving;
    if (!s.quiet || this.live.get(id) !== s) return;
    // The snapshot taken when the turn ended may have timed out: take a fresh one before freeing.
    const snapshot = await snapshotOf(this.deps.runtime, id);
    if (!s.quiet || this.live.get(id) !== s) return;
    if (snapshot) {
      s.snapshot = snapshot;
      await this.deps.writer.persist(s).catch(() => undefined);
      if (!s.quiet || this.live.get(id) !== s) return;
    }
    this.loaded.delete(id);
    s.restoreNeeded = s.snapshot !== undefined;
    this.deps.instruments?.sessionsTimedOut.inc();
    await this.deps.runtime.closeKey(id);
  }

  private async dropFromMemory(id: string): Promise<void> {
    const s = this.live.get(id);
    if (!s || !s.quiet || s.busy || s.listeners.size) return;
    await s.saving;
    if (!s.quiet || s.busy || s.listeners.size || this.live.get(id) !== s) return;
    this.forgetTimers(id);
    this.live.delete(id);
    this.deps.writer.release(s);
    if (this.loaded.delete(id)) await this.deps.runtime.closeKey(id);
  }
}
