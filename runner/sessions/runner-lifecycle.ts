import { AppError } from '../errors.ts';
import type { AgentRuntime } from '../runtime/types.ts';
import type { SessionStore } from '../store/types.ts';
import { snapshotOf } from './agent-snapshot.ts';
import type { Residency } from './residency.ts';
import type { Retention } from './retention.ts';
import type { SessionWriter } from './session-writer.ts';
import type { TurnRunner } from './turn-runner.ts';

export interface RunnerLifecycleDeps {
  sessions: Pick<SessionStore, 'listSessions'>;
  runtime: AgentRuntime;
  residency: Residency;
  turns: TurnRunner;
  writer: SessionWriter;
  retention: Pick<Retention, 'stop'>;
  /** How long shutdown lets running turns finish before checkpointing them. */
  shutdownGraceMs: number;
  /** Unhooks the sessions from the runtime, once everything is written. */
  detach(): void;
}

const shuttingDown = () => new AppError('shutting_down', 503, 'the runner is shutting down');

/**
 * The runner's start and stop as the sessions see them: after a restart the turns it owes go on,
 * and at shutdown running turns get a grace period, then are checkpointed for the next runner.
 */
export class RunnerLifecycle {
  constructor(private readonly deps: RunnerLifecycleDeps) {}

  /** Nothing new starts once shutdown began. */
  assertRunning(): void {
    if (this.deps.residency.stopped) throw shuttingDown();
  }

  /**
   * After a restart: sessions stored mid-turn (running, paused or waiting for input when the last
   * process stopped or crashed) are loaded, and their turns go on without waiting for a client to
   * touch them. One at a time, so a restart with many of them does not starve new requests.
   */
  async resumeInterrupted(tenants: string[]): Promise<number> {
    const { residency } = this.deps;
    let resumed = 0;
    for (const tenant of tenants) {
      for (const info of await this.deps.sessions.listSessions(tenant)) {
        if (residency.stopped) return resumed;
        if (info.state === 'idle' || info.state === 'closed' || residency.live.has(info.id)) continue;
        await residency
          .using({ tenant }, info.id, async () => undefined)
          .then(
            () => resumed++,
            () => undefined,
          );
      }
    }
    return resumed;
  }

  async shutdown(): Promise<void> {
    const { residency, turns, writer } = this.deps;
    if (residency.stopped) return;
    residency.stop();
    this.deps.retention.stop();
    const running = [...residency.live.values()].filter((s) => !s.quiet);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(
        running.map((s) => new Promise<void>((resolve) => (s.quiet ? resolve() : s.settledWaiters.push(resolve)))),
      ),
      // Kept referenced: the process must live until everything is written.
      new Promise((resolve) => (grace = setTimeout(resolve, this.deps.shutdownGraceMs))),
    ]);
    clearTimeout(grace);
    // Turns still running are checkpointed as they are; the next runner resumes them.
    for (const s of residency.live.values()) {
      if (turns.halt(s, 'runner shutdown', shuttingDown)) {
        s.snapshot = (await snapshotOf(this.deps.runtime, s.id)) ?? s.snapshot;
      }
      void writer.persist(s).catch(() => undefined);
    }
    await Promise.all([...residency.live.values()].map((s) => s.saving));
    this.deps.detach();
  }
}
