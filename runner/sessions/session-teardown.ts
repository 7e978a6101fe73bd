import { AppError } from '../errors.ts';
import type { SessionStore } from '../store/types.ts';
import type { Instruments } from '../telemetry/instruments.ts';
import type { LiveSession } from './live-session.ts';
import type { Residency } from './residency.ts';
import type { SessionWriter } from './session-writer.ts';
import type { TurnRunner } from './turn-runner.ts';

export interface SessionTeardownDeps {
  sessions: Pick<SessionStore, 'deleteSession'>;
  residency: Residency;
  turns: TurnRunner;
  writer: SessionWriter;
  /** Counts closed sessions; none when omitted. */
  instruments?: Instruments;
}

/**
 * How a session leaves this runner for good: closed, deleted, or moved to another runner. Each
 * way its turn stops, it leaves memory and the runtime, whoever waits for it to settle is woken
 * and its listeners are let go.
 */
export class SessionTeardown {
  constructor(private readonly deps: SessionTeardownDeps) {}

  async close(s: LiveSession): Promise<void> {
    if (s.closed) return;
    if (s.turn) this.deps.turns.end(s, s.turn, 'aborted', 'the session was closed');
    s.inbox = [];
    s.snapshot = undefined;
    s.restoreNeeded = false;
    s.setState('closed');
    this.deps.instruments?.sessionsClosed.inc();
    await this.letGo(s, () => this.deps.writer.persist(s));
  }

  async delete(s: LiveSession): Promise<void> {
    s.deleted = true;
    if (s.turn) this.deps.turns.end(s, s.turn, 'aborted', 'the session was deleted');
    s.inbox = [];
    await this.letGo(s, async () => {
      await s.saving;
      await this.deps.sessions.deleteSession(s.info.tenant, s.id);
    });
  }

  /**
   * Cluster mode: drops a session from memory without writing it, because another process holds
   * its lease now. What this copy has is stale; its writes would be fenced off anyway.
   */
  async evict(id: string): Promise<void> {
    const { live } = this.deps.residency;
    const s = live.get(id);
    if (!s) return;
    // A turn's end the store holds back for the next write (coalesce) lands before the lease goes.
    await s.saving;
    if (live.get(id) !== s) return; // evicted (or deleted) meanwhile
    live.delete(id);
    s.deleted = true; // persist() writes nothing for this copy from now on
    const detail = `session "${id}" moved to another runner`;
    this.deps.turns.halt(s, detail, () => new AppError('moved', 409, detail));
    await this.letGo(s);
  }

  /** Out of memory and the runtime; once `meanwhile` is done too, its settled waiters and listeners go. */
  private async letGo(s: LiveSession, meanwhile?: () => Promise<void>): Promise<void> {
    await this.deps.residency.remove(s);
    if (meanwhile) await meanwhile();
    this.deps.writer.release(s);
    this.deps.turns.wakeSettled(s);
    s.listeners.clear();
  }
}
