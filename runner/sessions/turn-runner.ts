import type { MessageEvent, TurnEndReason } from '../../schemas/protocol.ts';
import type { ChatMessage } from '../agents/message.ts';
import { AppError, conflict } from '../errors.ts';
import type { AgentRuntime } from '../runtime/types.ts';
import type { InboxItem } from '../store/types.ts';
import type { Instruments } from '../telemetry/instruments.ts';
import { finishTurnTrace, startTurnTrace, traceIdOf, turnEnded } from '../telemetry/turn-trace.ts';
import { snapshotOf } from './agent-snapshot.ts';
import type { GraphVersion } from './graph-versions.ts';
import { Turn, type LiveSession } from './live-session.ts';
import type { Residency } from './residency.ts';
import { describe, type SessionWriter } from './session-writer.ts';
import { turnInput } from './start-message.ts';
import { totalTokens } from './usage.ts';

/** A turn's end that failed to save is written again after this, then twice as long each time up to the max. */
const SAVE_RETRY_FIRST_MS = 100;
const SAVE_RETRY_MAX_MS = 2_000;

export interface TurnRunnerDeps {
  runtime: AgentRuntime;
  residency: Residency;
  writer: SessionWriter;
  versionOf(s: LiveSession): Promise<GraphVersion>;
  /** Checkpoint period while a turn runs. */
  checkpointEveryMs: number;
  /** The runner's turn and session metrics; none when omitted. */
  instruments?: Instruments;
}

/**
 * Turn execution: one turn at a time per session, from the first inbox message. A turn publishes
 * the message to the graph's entry topic (or continues from a checkpoint), runs until the
 * runtime is idle for the session and no agent holds it open, and ends once: completed, on a
 * limit, or stopped. Its end is saved, then the next message's turn starts. A client may pause,
 * resume or abort it; a runner letting go of the session halts it for the next runner to resume.
 */
export class TurnRunner {
  /** Sessions whose ended turn is not saved yet: not settled, though no turn runs. */
  readonly savingTurn = new Set<LiveSession>();

  constructor(private readonly deps: TurnRunnerDeps) {}

  /** Starts the next turn when none runs and a message waits. */
  pump(s: LiveSession): void {
    if (s.turn) return;
    const item = s.inbox[0];
    const { residency } = this.deps;
    if (!item || s.closed || residency.stopped) {
      this.wakeSettled(s);
      residency.scheduleQuiet(s);
      return;
    }
    const turn = new Turn(item);
    s.turn = turn;
    startTurnTrace(item, s.info, this.deps.instruments);
    residency.forgetTimers(s.id);
    s.setState('running');
    void this.run(s, turn).catch((error) => this.end(s, turn, 'error', describe(error)));
  }

  end(s: LiveSession, turn: Turn, reason: TurnEndReason, detail?: string): void {
    if (turn.ended || s.turn !== turn) return;
    turn.stop(
      { reason, ...(detail === undefined ? {} : { detail }) },
      () => new AppError(reason, 409, detail ?? `the turn ended: ${reason}`),
    );
    s.turn = undefined;
    if (s.inbox[0] === turn.item) s.inbox.shift();
    s.info.turns += 1;
    s.info.lastActiveAt = Date.now();
    if (!s.closed) s.setState('idle');
    turnEnded(turn.id, reason);
    const traceId = traceIdOf(turn.id);
    s.emit('turn_end', {
      sessionId: s.id,
      turnId: turn.id,
      reason,
      ...(detail === undefined ? {} : { detail }),
      time: Date.now(),
      usage: { ...turn.usage },
      ...(traceId ? { traceId } : {}),
    });
    this.savingTurn.add(s);
    // The writes that store the turn's end are part of its trace until finishTurnTrace.
    void this.afterEnd(s, reason).finally(() => finishTurnTrace(turn.id));
  }

  /**
   * Stops the running turn where it stands without ending it: marked ended first, so nothing the
   * agents do while stopping can close it. It stays in the inbox and whichever runner holds the
   * session next resumes it. False when no turn runs.
   */
  halt(s: LiveSession, detail: string, error: () => AppError): boolean {
    const turn = s.turn;
    if (!turn || turn.ended) return false;
    const stopped = error();
    turn.stop({ reason: 'aborted', detail }, () => stopped);
    finishTurnTrace(turn.id);
    return true;
  }

  /** Holds the turn for a person: its wall clock stops, its messages wait (publish-policy.ts). */
  pause(s: LiveSession): void {
    const turn = this.runningTurn(s);
    if (turn.paused) return;
    turn.paused = true;
    turn.remainingMs = Math.max(0, turn.deadline - Date.now());
    clearTimeout(turn.wallTimer);
    s.setState('paused');
  }

  resume(s: LiveSession): void {
    const turn = this.runningTurn(s);
    if (!turn.paused) return;
    turn.paused = false;
    this.armWallClock(s, turn, turn.remainingMs);
    s.setState(turn.inputs.size ? 'waiting_input' : 'running');
    turn.releaseHeld();
  }

  abort(s: LiveSession): void {
    this.end(s, this.runningTurn(s), 'aborted', 'aborted by the client');
  }

  wakeSettled(s: LiveSession): void {
    const waiters = s.settledWaiters;
    s.settledWaiters = [];
    for (const wake of waiters) wake();
  }

  private armWallClock(s: LiveSession, turn: Turn, ms: number): void {
    clearTimeout(turn.wallTimer);
    turn.deadline = Date.now() + ms;
    turn.wallTimer = setTimeout(
      () => this.end(s, turn, 'timeout', `the turn ran longer than ${s.version?.limits.maxTurnMs} ms`),
      ms,
    );
  }

  private runningTurn(s: LiveSession): Turn {
    if (!s.turn || s.turn.ended) throw conflict(`session "${s.id}" has no turn running`);
    return s.turn;
  }

  private async run(s: LiveSession, turn: Turn): Promise<void> {
    const { runtime, residency } = this.deps;
    const version = await this.deps.versionOf(s);
    s.version = version;
    this.armWallClock(s, turn, version.limits.maxTurnMs);
    turn.checkpointTimer = setInterval(() => void this.checkpoint(s, turn), this.deps.checkpointEveryMs);
    turn.checkpointTimer.unref();
    if (totalTokens(s.info.usage) >= version.limits.maxTokensPerSession) {
      return this.end(
        s,
        turn,
        'token_budget',
        `the session has used its budget of ${version.limits.maxTokensPerSession} tokens`,
      );
    }
    const resumed = await this.restoreAgents(s, turn);
    if (turn.ended) return;
    residency.loaded.add(s.id);
    if (!resumed) {
      const { topicType, message } = turnInput(turn.item, version);
      await runtime.publishMessage(
        message,
        { type: topicType, source: s.id },
        { sender: null, messageId: turn.item.messageId, signal: turn.signal },
      );
    }
    for (;;) {
      await runtime.idle(s.id);
      if (turn.ended || !turn.heldOpen) break;
      await turn.holdsReleased();
    }
    this.end(s, turn, 'completed');
  }

  /**
   * Brings the session's agents back into the runtime. Returns true when the turn continues
   * from a checkpoint (its undelivered messages are back in the queue) rather than from the top.
   */
  private async restoreAgents(s: LiveSession, turn: Turn): Promise<boolean> {
    const snapshot = s.snapshot;
    const midTurn =
      snapshot?.pending.some((p) => (p.message as Partial<ChatMessage> | null)?.turnId === turn.id) ?? false;
    if (s.restoreNeeded && snapshot) {
      s.restoreNeeded = false;
      await this.deps.runtime.loadKey(midTurn ? snapshot : { ...snapshot, pending: [] });
    }
    if (midTurn) return true;
    // Interrupted after its agents answered but before the turn was closed: do not answer twice.
    if (answered(s.transcript, turn.item)) {
      this.end(s, turn, 'completed', 'resumed after a restart');
    }
    return false;
  }

  private async afterEnd(s: LiveSession, reason: TurnEndReason): Promise<void> {
    const { runtime, residency, writer } = this.deps;
    if (!s.closed && residency.loaded.has(s.id)) {
      const snapshot = await snapshotOf(runtime, s.id);
      // An interrupted turn's leftovers must not replay after a restore.
      if (snapshot) s.snapshot = reason === 'completed' ? snapshot : { ...snapshot, pending: [] };
    }
    await writer.trimTranscript(s).catch(() => undefined);
    // Nothing queued behind this turn: its end may wait a moment for the next message's write.
    await writer.persist(s, s.inbox.length === 0).then(
      () => undefined,
      async (error: unknown) => {
        writer.saveFailed(s, 'persist_failed', error);
        await this.saveAgain(s);
      },
    );
    this.savingTurn.delete(s);
    this.pump(s);
  }

  /**
   * The turn's end was acknowledged to its clients but not stored: the store's copy still says
   * running with the message queued, so a session paged out now would run the turn again when it
   * loads. It stays in memory and is written again until a write made since lands.
   */
  private async saveAgain(s: LiveSession): Promise<void> {
    s.saveOwed = true;
    let owed = s.writesMade;
    for (let wait = SAVE_RETRY_FIRST_MS; ; wait = Math.min(wait * 2, SAVE_RETRY_MAX_MS)) {
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
      // A shutdown writes every session once more itself; a deleted one must not come back.
      if (s.deleted || this.deps.residency.stopped || s.writesLanded >= owed) break;
      try {
        await this.deps.writer.persist(s);
        break;
      } catch {
        owed = s.writesMade;
      }
    }
    s.saveOwed = false;
  }

  private async checkpoint(s: LiveSession, turn: Turn): Promise<void> {
    if (turn.ended) return;
    // A snapshot waits for running handlers; during an input wait or a pause that would stall
    // the turn, so those checkpoints keep the previous snapshot and save the rest.
    if (!turn.inputs.size && !turn.paused) {
      const snapshot = await snapshotOf(this.deps.runtime, s.id);
      if (turn.ended) return;
      if (snapshot) s.snapshot = snapshot;
    }
    await this.deps.writer.persist(s).catch((error) => this.deps.writer.saveFailed(s, 'checkpoint_failed', error));
  }
}

/**
 * Whether an agent already answered in the turn. Its entries follow its user message, at the
 * end of the transcript (behind them only messages queued for later turns), so the scan back
 * stops there instead of reading the whole history on every turn.
 */
function answered(transcript: readonly MessageEvent[], input: InboxItem): boolean {
  for (let i = transcript.length - 1; i >= 0; i--) {
    const m = transcript[i]!;
    // The turn's input (a user or start message) has the item's id; anything after it is an answer.
    if (m.turnId === input.turnId) return m.id !== input.messageId;
  }
  return false;
}
