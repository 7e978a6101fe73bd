import { randomUUID } from 'node:crypto';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import { loadGraph } from '../agents/load-graph.ts';
import { AppError, notFound } from '../errors.ts';
import { ModelRegistry } from '../models/registry.ts';
import type { AgentRuntime } from '../runtime/types.ts';
import type { Stores } from '../store/types.ts';
import type { Instruments } from '../telemetry/instruments.ts';
import { resumeTrace } from '../telemetry/propagation.ts';
import { finishTurnTrace, rememberCaller } from '../telemetry/turn-trace.ts';
import { canAccess } from './access.ts';
import { AgentContexts } from './agent-context.ts';
import { answerPublished } from './answer-published.ts';
import { snapshotOf } from './agent-snapshot.ts';
import { GraphVersions } from './graph-versions.ts';
import { LiveSession, type Turn } from './live-session.ts';
import { handlerErrorEvents, publishPolicy } from './publish-policy.ts';
import { Residency } from './residency.ts';
import { checkMessage, checkReply } from './session-checks.ts';
import { describe, SessionWriter } from './session-writer.ts';
import type { SessionManagerConfig, SessionManagerDeps } from './session-manager-options.ts';
import { TurnRunner } from './turn-runner.ts';
import { startEvent, startItem } from './start-message.ts';
import type { Caller, CreateOptions, SessionListener, Sessions } from './types.ts';
import { newSessionInfo, turnOfMessage, userMessageEvent } from './user-messages.ts';

export type { ModelSource } from './agent-context.ts';
export type { SessionManagerConfig, SessionManagerDeps } from './session-manager-options.ts';

/**
 * Sessions on one shared runtime: session id = topic source. The API on top of four parts: the
 * turns (turn-runner.ts), the publish policy (publish-policy.ts), what agents see
 * (agent-context.ts), and which sessions are in memory (residency.ts), all writing through one
 * SessionWriter.
 */
export class SessionManager implements Sessions {
  private readonly stores: Stores;
  private readonly runtime: AgentRuntime;
  private readonly versions: GraphVersions;
  private readonly writer: SessionWriter;
  private readonly residency: Residency;
  private readonly turns: TurnRunner;
  private readonly contexts: AgentContexts;
  private readonly config: Required<Omit<SessionManagerConfig, 'limits' | 'credentials' | 'retention'>> &
    SessionManagerConfig;
  private readonly live: Map<string, LiveSession>;
  private retentionTimer: NodeJS.Timeout | undefined;
  private readonly offHandlerError: () => void;
  private readonly instruments: Instruments | undefined;

  constructor(deps: SessionManagerDeps) {
    this.stores = deps.stores;
    this.runtime = deps.runtime;
    this.instruments = deps.instruments;
    this.config = {
      idleTimeoutMs: 15 * 60_000,
      pageOutMs: 0,
      checkpointEveryMs: 5000,
      shutdownGraceMs: 10_000,
      defaultUser: 'anonymous',
      // An option given as undefined keeps its default.
      ...Object.fromEntries(Object.entries(deps.config ?? {}).filter(([, value]) => value !== undefined)),
    };
    const endTurn = (s: LiveSession, turn: Turn, reason: Parameters<TurnRunner['end']>[2], detail?: string) =>
      this.turns.end(s, turn, reason, detail);
    this.writer = new SessionWriter({
      sessions: this.stores.sessions,
      maxTranscriptEntries: this.config.retention?.maxTranscriptEntries,
      onSaveError: deps.onSaveError,
    });
    this.residency = new Residency({
      sessions: this.stores.sessions,
      runtime: this.runtime,
      writer: this.writer,
      idleTimeoutMs: this.config.idleTimeoutMs,
      pageOutMs: this.config.pageOutMs,
      pump: (s) => this.turns.pump(s),
      instruments: deps.instruments,
    });
    this.live = this.residency.live;
    this.turns = new TurnRunner({
      runtime: this.runtime,
      residency: this.residency,
      writer: this.writer,
      versionOf: (s) => this.versionOf(s),
      checkpointEveryMs: this.config.checkpointEveryMs,
      instruments: deps.instruments,
    });
    const contexts = (this.contexts = new AgentContexts({
      live: this.live,
      models: deps.models ?? new ModelRegistry(),
      mcp: deps.mcp,
      memory: this.stores.memory,
      credentials: this.config.credentials,
      defaultUser: this.config.defaultUser,
      endTurn,
    }));
    this.versions = new GraphVersions({
      graphs: this.stores.graphs,
      runtime: this.runtime,
      loadGraph: deps.loadGraph ?? loadGraph,
      env: (tenant, graph) => contexts.env(tenant, graph),
      ceilings: this.config.limits ?? {},
    });
    this.runtime.addIntervention(publishPolicy({ live: this.live, endTurn }));
    this.offHandlerError = this.runtime.onHandlerError(handlerErrorEvents(this.live));
    const retention = this.config.retention;
    if (retention && (retention.maxAgeMs !== undefined || retention.maxSessionsPerTenant !== undefined)) {
      this.retentionTimer = setInterval(
        () => void this.prune().catch(() => undefined),
        retention.intervalMs ?? 3_600_000,
      );
      this.retentionTimer.unref();
      void this.prune().catch(() => undefined);
    }
  }

  // ───────────────────────────── the Sessions API ─────────────────────────────

  async create(caller: Caller, options: CreateOptions): Promise<SessionInfo> {
    this.assertRunning();
    const stored = await this.versions.pick(caller.tenant, options.graphId, options.version);
    const version = await this.versions.get(caller.tenant, stored.id, stored.version);
    const info = newSessionInfo(caller, stored);
    const start = startItem(info, version, caller.user ?? this.config.defaultUser, options.context);
    const s = new LiveSession({
      info,
      transcript: start ? [startEvent(info.id, start, version, info.createdAt)] : [],
      acceptedMessageIds: [],
      inbox: start ? [start] : [],
    });
    s.version = version;
    // Stored running with its start message queued, as a user message is (see send).
    if (start) s.setState('running');
    this.live.set(s.id, s);
    try {
      await this.writer.persist(s);
    } catch (error) {
      this.live.delete(s.id);
      throw error;
    }
    this.instruments?.sessionsCreated.inc();
    const created = structuredClone(s.info);
    if (start) {
      s.emit('message', s.transcript[0]!);
      this.turns.pump(s);
    } else this.residency.scheduleQuiet(s);
    return created;
  }

  get(caller: Caller, id: string): Promise<SessionInfo> {
    return this.residency.using(caller, id, async (s) => {
      const info = structuredClone(s.info);
      // Not part of the stored summary: only the running turn's open questions, for a client joining now.
      const open = s.turn && !s.turn.ended ? [...s.turn.inputs.values()].map((i) => i.request) : [];
      return open.length ? { ...info, inputRequests: open } : info;
    });
  }

  async list(caller: Caller, filter: { graphId?: string; state?: string; user?: string } = {}): Promise<SessionInfo[]> {
    const stored = await this.stores.sessions.listSessions(
      caller.tenant,
      caller.user === undefined ? filter : { ...filter, user: caller.user },
    );
    const fresh = stored
      .filter((info) => canAccess(caller, info))
      .map((info) => {
        const s = this.live.get(info.id);
        return s && s.info.tenant === caller.tenant ? structuredClone(s.info) : info;
      });
    return fresh.filter(
      (s) =>
        (filter.graphId === undefined || s.graphId === filter.graphId) &&
        (filter.state === undefined || s.state === filter.state) &&
        (filter.user === undefined || s.user === filter.user),
    );
  }

  transcript(caller: Caller, id: string, options: { afterMessageId?: string } = {}): Promise<MessageEvent[]> {
    return this.residency.using(caller, id, async (s) => {
      const inWindow =
        options.afterMessageId === undefined ? -1 : s.transcript.findIndex((m) => m.id === options.afterMessageId);
      if (inWindow >= 0 || s.transcriptOffset === 0) return s.transcript.slice(inWindow + 1);
      const all = (await this.writer.olderEntries(s)).concat(s.transcript);
      const after = options.afterMessageId === undefined ? -1 : all.findIndex((m) => m.id === options.afterMessageId);
      return all.slice(after + 1);
    });
  }

  async send(
    caller: Caller,
    id: string,
    message: { content: string; messageId?: string },
  ): Promise<{ messageId: string; turnId: string }> {
    this.assertRunning();
    checkMessage(message);
    const { content } = message;
    // The caller's trace context is active only now, before the first await.
    const inCallerTrace = resumeTrace();
    return this.residency.using(caller, id, async (s) => {
      if (s.closed) throw new AppError('session_closed', 409, `session "${id}" is closed`);
      if (message.messageId !== undefined && s.hasAccepted(message.messageId)) {
        return { messageId: message.messageId, turnId: turnOfMessage(s, message.messageId) };
      }
      const item = { messageId: message.messageId ?? randomUUID(), turnId: randomUUID(), content };
      inCallerTrace(() => rememberCaller(item));
      const event = userMessageEvent(s.id, await this.versionOf(s), item);
      s.inbox.push(item);
      // Only a client's own ids can come back in a resend.
      if (message.messageId !== undefined) s.accept(item.messageId);
      s.transcript.push(event);
      s.info.lastActiveAt = event.time;
      // Stored as running together with the message, so a runner restarting after a crash finds
      // the turn it owes (resumeInterrupted) without reading every session.
      const started = !s.turn && s.setState('running');
      this.residency.forgetTimers(s.id);
      try {
        await this.writer.persist(s);
      } catch (error) {
        if (started && !s.turn) s.setState('idle');
        // Not acknowledged, so not accepted: a retry with the same id must go through.
        s.inbox.splice(s.inbox.indexOf(item), 1);
        if (message.messageId !== undefined) s.forget(item.messageId);
        // A new array: another write of this session may still read the old one (see LiveSession.record).
        s.transcript = s.transcript.filter((m) => m !== event);
        throw error;
      }
      s.emit('message', event);
      this.turns.pump(s);
      return { messageId: item.messageId, turnId: item.turnId };
    });
  }

  settled(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, async (s) => {
      if ((s.quiet && !this.turns.savingTurn.has(s)) || s.closed || this.live.get(s.id) !== s) return;
      await new Promise<void>((resolve) => s.settledWaiters.push(resolve));
    });
  }

  reply(caller: Caller, id: string, requestId: string, content: string): Promise<void> {
    return this.residency.using(caller, id, async (s) => {
      checkReply(content);
      const turn = s.turn;
      const pending = turn?.inputs.get(requestId);
      if (!turn || !pending) throw notFound('input request', requestId);
      // A paused turn holds the answer's publication until it resumes: that save stores it.
      const published = turn.paused ? undefined : answerPublished(s, turn, pending.request.agent, content);
      pending.resolve(content);
      if (!published) return;
      // The acknowledgement means "stored": a crash after it must not lose the answer.
      await published;
      try {
        await this.writer.persist(s);
      } catch (error) {
        // The agent has the answer already: a retry would find no request. The turn's next save retries the write.
        throw new AppError(
          'persist_failed',
          503,
          `the answer was passed on to ${pending.request.agent} but could not be stored: ${describe(error)}`,
        );
      }
    });
  }

  pause(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, async (s) => {
      const turn = this.turns.runningTurn(s);
      if (turn.paused) return;
      turn.paused = true;
      turn.remainingMs = Math.max(0, turn.deadline - Date.now());
      clearTimeout(turn.wallTimer);
      s.setState('paused');
    });
  }

  resume(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, async (s) => {
      const turn = this.turns.runningTurn(s);
      if (!turn.paused) return;
      turn.paused = false;
      this.turns.armWallClock(s, turn, turn.remainingMs);
      s.setState(turn.inputs.size ? 'waiting_input' : 'running');
      turn.releaseHeld();
    });
  }

  abort(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, async (s) =>
      this.turns.end(s, this.turns.runningTurn(s), 'aborted', 'aborted by the client'),
    );
  }

  close(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, async (s) => {
      if (s.closed) return;
      if (s.turn) this.turns.end(s, s.turn, 'aborted', 'the session was closed');
      s.inbox = [];
      s.snapshot = undefined;
      s.restoreNeeded = false;
      s.setState('closed');
      this.instruments?.sessionsClosed.inc();
      await this.residency.remove(s);
      await this.writer.persist(s);
      this.turns.wakeSettled(s);
      s.listeners.clear();
    });
  }

  delete(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, async (s) => {
      s.deleted = true;
      if (s.turn) this.turns.end(s, s.turn, 'aborted', 'the session was deleted');
      s.inbox = [];
      await this.residency.remove(s);
      await s.saving;
      await this.stores.sessions.deleteSession(caller.tenant, s.id);
      this.turns.wakeSettled(s);
      s.listeners.clear();
    });
  }

  /**
   * Cluster mode: drops a session from memory without writing it, because another process holds
   * its lease now. What this copy has is stale; its writes would be fenced off anyway.
   */
  async evict(id: string): Promise<void> {
    const s = this.live.get(id);
    if (!s) return;
    // A turn's end the store holds back for the next write (coalesce) lands before the lease goes.
    await s.saving;
    if (this.live.get(id) !== s) return; // evicted (or deleted) meanwhile
    this.live.delete(id);
    s.deleted = true; // persist() writes nothing for this copy from now on
    const turn = s.turn;
    if (turn && !turn.ended) {
      const moved = new AppError('moved', 409, `session "${id}" moved to another runner`);
      turn.stop({ reason: 'aborted', detail: moved.message }, () => moved);
      finishTurnTrace(turn.id);
    }
    await this.residency.remove(s);
    this.turns.wakeSettled(s);
    s.listeners.clear();
  }

  subscribe(caller: Caller, id: string, listener: SessionListener): Promise<() => void> {
    return this.residency.using(caller, id, async (s) => {
      s.listeners.add(listener);
      return () => {
        s.listeners.delete(listener);
        this.residency.scheduleQuiet(s);
      };
    });
  }

  stats(): { liveSessions: number; instances: number; queueDepth: number } {
    return {
      liveSessions: this.residency.loaded.size,
      instances: this.runtime.liveInstances(),
      queueDepth: this.runtime.queueDepth(),
    };
  }

  async shutdown(): Promise<void> {
    if (this.residency.stopped) return;
    this.residency.stop();
    clearInterval(this.retentionTimer);
    const running = [...this.live.values()].filter((s) => !s.quiet);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(
        running.map((s) => new Promise<void>((resolve) => (s.quiet ? resolve() : s.settledWaiters.push(resolve)))),
      ),
      // Kept referenced: the process must live until everything is written.
      new Promise((resolve) => (grace = setTimeout(resolve, this.config.shutdownGraceMs))),
    ]);
    clearTimeout(grace);
    // Turns still running are checkpointed as they are; the next runner resumes them.
    for (const s of this.live.values()) {
      const turn = s.turn;
      if (turn && !turn.ended) {
        // Marked ended first so nothing the agents do while stopping can close the turn: it
        // stays in the inbox and the next runner resumes it.
        const stopping = new AppError('shutting_down', 503, 'the runner is shutting down');
        turn.stop({ reason: 'aborted', detail: 'runner shutdown' }, () => stopping);
        finishTurnTrace(turn.id);
        s.snapshot = (await snapshotOf(this.runtime, s.id)) ?? s.snapshot;
      }
      void this.writer.persist(s).catch(() => undefined);
    }
    await Promise.all([...this.live.values()].map((s) => s.saving));
    this.offHandlerError();
  }

  /**
   * After a restart: sessions stored mid-turn (running, paused or waiting for input when the last
   * process stopped or crashed) are loaded, and their turns go on without waiting for a client to
   * touch them. One at a time, so a restart with many of them does not starve new requests.
   */
  async resumeInterrupted(tenants: string[]): Promise<number> {
    let resumed = 0;
    for (const tenant of tenants) {
      for (const info of await this.stores.sessions.listSessions(tenant)) {
        if (this.residency.stopped) return resumed;
        if (info.state === 'idle' || info.state === 'closed' || this.live.has(info.id)) continue;
        await this.residency
          .using({ tenant }, info.id, async () => undefined)
          .then(
            () => resumed++,
            () => undefined,
          );
      }
    }
    return resumed;
  }

  /** Applies the retention policy now (it also runs on its own timer when configured). */
  async prune(): Promise<number> {
    const { maxAgeMs, maxSessionsPerTenant } = this.config.retention ?? {};
    if (maxAgeMs === undefined && maxSessionsPerTenant === undefined) return 0;
    return this.stores.sessions.prune({ maxAgeMs, maxSessionsPerTenant });
  }

  private async versionOf(s: LiveSession) {
    return (s.version ??= await this.versions.get(s.info.tenant, s.info.graphId, s.info.graphVersion));
  }

  private assertRunning(): void {
    if (this.residency.stopped) throw new AppError('shutting_down', 503, 'the runner is shutting down');
  }
}
