import { randomUUID } from 'node:crypto';
import type { Graph } from '../../schemas/graph.ts';
import type { ModelDef } from '../../schemas/models.ts';
import { MAX_MESSAGE_CHARS, type MessageEvent, type Role, type ServerEvents, type SessionInfo, type TurnEndReason } from '../../schemas/protocol.ts';
import type { AgentEnv, SessionContext, UserMemory } from '../agents/env.ts';
import type { ChatMessage } from '../agents/message.ts';
import { AppError, conflict, invalid, notFound } from '../errors.ts';
import { loadGraph } from '../agents/load-graph.ts';
import { ModelRegistry } from '../models/registry.ts';
import type { ModelClient } from '../models/types.ts';
import { DROP, type AgentRuntime, type HandlerError, type InterventionHandler, type KeySnapshot } from '../runtime/types.ts';
import type { AgentId, TopicId } from '../runtime/ids.ts';
import type { Stores } from '../store/types.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { GraphVersions, type EffectiveLimits, type GraphLoader } from './graph-versions.ts';
import { LiveSession, Turn } from './live-session.ts';
import type { Caller, SessionListener, Sessions } from './types.ts';
import { addUsage, priced, totalTokens, zeroUsage, type TokenCount } from './usage.ts';

export interface SessionManagerConfig {
  /** A quiet session's agents are checkpointed and freed after this long, listeners or not. */
  idleTimeoutMs?: number;
  /** A quiet session nobody listens to is dropped from memory after this long (0: at once). */
  pageOutMs?: number;
  /** Checkpoint period while a turn runs. */
  checkpointEveryMs?: number;
  /** The runner's ceilings over every graph's own limits. */
  limits?: Partial<EffectiveLimits>;
  /** Named credentials per tenant: tenant → name → value. */
  credentials?: Record<string, Record<string, string>>;
  retention?: { maxAgeMs?: number; maxSessionsPerTenant?: number; intervalMs?: number; maxTranscriptEntries?: number };
  /** How long shutdown lets running turns finish before checkpointing them. */
  shutdownGraceMs?: number;
  /** Memory of sessions created without a user. */
  defaultUser?: string;
}

export interface ModelSource {
  get(tenant: string, def: ModelDef, credential: (name: string) => string | undefined): ModelClient;
}

export interface SessionManagerDeps {
  /** Graphs, sessions and user memory: one backend or several (app.ts wires them). */
  stores: Stores;
  /** The one runtime every session shares; this manager must be its only user. */
  runtime: AgentRuntime;
  /** Defaults to the agents' loadGraph. */
  loadGraph?: GraphLoader;
  /** Defaults to a ModelRegistry: clients shared per tenant and model definition. */
  models?: ModelSource;
  config?: SessionManagerConfig;
  /**
   * A save after the ack point failed (a turn's end, a checkpoint): the session's clients get a
   * warning event, the operator this. The writes stay in memory and the next save retries them.
   */
  onSaveError?: (error: unknown, session: { tenant: string; id: string; code: 'persist_failed' | 'checkpoint_failed' }) => void;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A snapshot waits for running handlers; one stuck in a hung call must not stall persistence. */
const SNAPSHOT_TIMEOUT_MS = 2000;
/** How long an input reply waits for the asking agent to publish the answer before saving anyway. */
const ANSWER_PUBLISH_WAIT_MS = 2000;
const NO_TURN = AbortSignal.abort(new AppError('no_turn', 409, 'no turn is running'));

/**
 * Sessions on one shared runtime: session id = topic source. Routes user messages into the
 * graph's entry topic, traces and polices every publish with one runtime intervention (budgets,
 * isolation, pause), persists after each turn and periodically during one, pages idle sessions
 * out to the store and resumes them lazily.
 */
export class SessionManager implements Sessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly loading = new Map<string, Promise<LiveSession | undefined>>();
  private readonly versions: GraphVersions;
  private readonly idle: DeadlineQueue;
  private readonly pageOut: DeadlineQueue;
  private readonly stores: Stores;
  private readonly runtime: AgentRuntime;
  private readonly models: ModelSource;
  private readonly config: Required<Omit<SessionManagerConfig, 'limits' | 'credentials' | 'retention'>> & SessionManagerConfig;
  private retentionTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly offHandlerError: () => void;
  /** Sessions whose agents may be in the runtime (a turn ran and they were not freed since). */
  private readonly loaded = new Set<string>();
  /** Sessions whose ended turn is not saved yet: not settled, though no turn runs. */
  private readonly savingTurn = new Set<LiveSession>();
  private readonly onSaveError: SessionManagerDeps['onSaveError'];

  constructor(deps: SessionManagerDeps) {
    this.stores = deps.stores;
    this.runtime = deps.runtime;
    this.onSaveError = deps.onSaveError;
    this.config = {
      idleTimeoutMs: 15 * 60_000,
      pageOutMs: 0,
      checkpointEveryMs: 5000,
      shutdownGraceMs: 10_000,
      defaultUser: 'anonymous',
      // An option given as undefined keeps its default.
      ...Object.fromEntries(Object.entries(deps.config ?? {}).filter(([, value]) => value !== undefined)),
    };
    this.models = deps.models ?? new ModelRegistry();
    this.versions = new GraphVersions({
      graphs: this.stores.graphs,
      runtime: this.runtime,
      loadGraph: deps.loadGraph ?? loadGraph,
      env: (tenant, graph) => this.agentEnv(tenant, graph),
      ceilings: this.config.limits ?? {},
    });
    this.idle = new DeadlineQueue(this.config.idleTimeoutMs, (id) => void this.freeAgents(id));
    this.pageOut = new DeadlineQueue(this.config.pageOutMs, (id) => void this.dropFromMemory(id));
    this.runtime.addIntervention(this.intervention);
    this.offHandlerError = this.runtime.onHandlerError((e) => this.onHandlerError(e));
    const retention = this.config.retention;
    if (retention && (retention.maxAgeMs !== undefined || retention.maxSessionsPerTenant !== undefined)) {
      this.retentionTimer = setInterval(() => void this.prune().catch(() => undefined), retention.intervalMs ?? 3_600_000);
      this.retentionTimer.unref();
      void this.prune().catch(() => undefined);
    }
  }

  // ───────────────────────────── the Sessions API ─────────────────────────────

  async create(caller: Caller, options: { graphId: string; version?: number }): Promise<SessionInfo> {
    this.assertRunning();
    const stored = await this.versions.pick(caller.tenant, options.graphId, options.version);
    const version = await this.versions.get(caller.tenant, stored.id, stored.version);
    const now = Date.now();
    const info: SessionInfo = {
      id: randomUUID(),
      tenant: caller.tenant,
      ...(caller.user === undefined ? {} : { user: caller.user }),
      graphId: stored.id,
      graphVersion: stored.version,
      state: 'idle',
      createdAt: now,
      lastActiveAt: now,
      turns: 0,
      usage: zeroUsage(),
      agentUsage: {},
    };
    const s = new LiveSession({ info, transcript: [], acceptedMessageIds: [], inbox: [] });
    s.version = version;
    this.live.set(s.id, s);
    try {
      await this.persist(s);
    } catch (error) {
      this.live.delete(s.id);
      throw error;
    }
    this.scheduleQuiet(s);
    return structuredClone(s.info);
  }

  get(caller: Caller, id: string): Promise<SessionInfo> {
    return this.using(caller, id, async (s) => {
      const info = structuredClone(s.info);
      // Not part of the stored summary: only the running turn's open questions, for a client joining now.
      const open = s.turn && !s.turn.ended ? [...s.turn.inputs.values()].map((i) => i.request) : [];
      return open.length ? { ...info, inputRequests: open } : info;
    });
  }

  async list(caller: Caller, filter: { graphId?: string; state?: string; user?: string } = {}): Promise<SessionInfo[]> {
    const stored = await this.stores.sessions.listSessions(caller.tenant, filter);
    const fresh = stored.map((info) => {
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
    return this.using(caller, id, async (s) => {
      const inWindow = options.afterMessageId === undefined ? -1 : s.transcript.findIndex((m) => m.id === options.afterMessageId);
      if (inWindow >= 0 || s.transcriptOffset === 0) return s.transcript.slice(inWindow + 1);
      const all = (await this.olderEntries(s)).concat(s.transcript);
      const after = options.afterMessageId === undefined ? -1 : all.findIndex((m) => m.id === options.afterMessageId);
      return all.slice(after + 1);
    });
  }

  async send(caller: Caller, id: string, message: { content: string; messageId?: string }): Promise<{ messageId: string; turnId: string }> {
    this.assertRunning();
    const content = message?.content;
    if (typeof content !== 'string' || content.length === 0) throw invalid('content must be a non-empty string', { field: 'content' });
    if (content.length > MAX_MESSAGE_CHARS) throw invalid(`content must be at most ${MAX_MESSAGE_CHARS} characters`, { field: 'content', limit: MAX_MESSAGE_CHARS });
    if (message.messageId !== undefined && !/^[\w-]{1,100}$/.test(message.messageId)) {
      throw invalid('messageId must be 1-100 letters, digits, "_" or "-"', { field: 'messageId' });
    }
    return this.using(caller, id, async (s) => {
      if (s.closed) throw new AppError('session_closed', 409, `session "${id}" is closed`);
      if (message.messageId !== undefined && s.hasAccepted(message.messageId)) {
        return { messageId: message.messageId, turnId: this.turnOfMessage(s, message.messageId) };
      }
      const version = await this.versionOf(s);
      const item = { messageId: message.messageId ?? randomUUID(), turnId: randomUUID(), content };
      const entry = version.loaded.entryTopicType;
      const event: MessageEvent = {
        sessionId: s.id,
        id: item.messageId,
        turnId: item.turnId,
        topic: { type: version.loaded.graphTopicType(entry) ?? entry, source: s.id },
        sender: 'user',
        recipients: version.recipients(entry),
        role: 'user',
        content,
        output: version.outputs.has(entry),
        time: Date.now(),
      };
      s.inbox.push(item);
      // Only a client's own ids can come back in a resend.
      if (message.messageId !== undefined) s.accept(item.messageId);
      s.transcript.push(event);
      s.info.lastActiveAt = event.time;
      // Stored as running together with the message, so a runner restarting after a crash finds
      // the turn it owes (resumeInterrupted) without reading every session.
      const started = !s.turn && s.setState('running');
      this.forgetTimers(s.id);
      try {
        await this.persist(s);
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
      this.pump(s);
      return { messageId: item.messageId, turnId: item.turnId };
    });
  }

  settled(caller: Caller, id: string): Promise<void> {
    return this.using(caller, id, async (s) => {
      if ((s.quiet && !this.savingTurn.has(s)) || s.closed || this.live.get(s.id) !== s) return;
      await new Promise<void>((resolve) => s.settledWaiters.push(resolve));
    });
  }

  reply(caller: Caller, id: string, requestId: string, content: string): Promise<void> {
    return this.using(caller, id, async (s) => {
      if (typeof content !== 'string' || content.length > MAX_MESSAGE_CHARS) throw invalid(`content must be a string of at most ${MAX_MESSAGE_CHARS} characters`, { field: 'content' });
      const turn = s.turn;
      const pending = turn?.inputs.get(requestId);
      if (!turn || !pending) throw notFound('input request', requestId);
      // A paused turn holds the answer's publication until it resumes: that save stores it.
      const published = turn.paused ? undefined : this.answerPublished(s, turn, pending.request.agent, content);
      pending.resolve(content);
      if (!published) return;
      // The acknowledgement means "stored": a crash after it must not lose the answer.
      await published;
      try {
        await this.persist(s);
      } catch (error) {
        // The agent has the answer already: a retry would find no request. The turn's next save retries the write.
        throw new AppError('persist_failed', 503, `the answer was passed on to ${pending.request.agent} but could not be stored: ${describe(error)}`);
      }
    });
  }

  /**
   * Resolves once the agent that asked has published the answer in the turn (the intervention
   * records it in the transcript as it is published, every outlet in the same tick), the turn
   * ended (its own save stores it), or ANSWER_PUBLISH_WAIT_MS passed (an agent that never does).
   */
  private answerPublished(s: LiveSession, turn: Turn, agent: string, content: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        s.listeners.delete(listener);
        resolve();
      };
      const listener: SessionListener = (event, payload) => {
        if (event === 'turn_end' ? (payload as ServerEvents['turn_end']).turnId === turn.id : event === 'message' && isAnswer(payload as MessageEvent, turn.id, agent, content)) done();
      };
      const timer = setTimeout(done, ANSWER_PUBLISH_WAIT_MS);
      s.listeners.add(listener);
    });
  }

  pause(caller: Caller, id: string): Promise<void> {
    return this.using(caller, id, async (s) => {
      const turn = this.runningTurn(s);
      if (turn.paused) return;
      turn.paused = true;
      turn.remainingMs = Math.max(0, turn.deadline - Date.now());
      clearTimeout(turn.wallTimer);
      s.setState('paused');
    });
  }

  resume(caller: Caller, id: string): Promise<void> {
    return this.using(caller, id, async (s) => {
      const turn = this.runningTurn(s);
      if (!turn.paused) return;
      turn.paused = false;
      this.armWallClock(s, turn, turn.remainingMs);
      s.setState(turn.inputs.size ? 'waiting_input' : 'running');
      turn.releaseHeld();
    });
  }

  abort(caller: Caller, id: string): Promise<void> {
    return this.using(caller, id, async (s) => this.endTurn(s, this.runningTurn(s), 'aborted', 'aborted by the client'));
  }

  close(caller: Caller, id: string): Promise<void> {
    return this.using(caller, id, async (s) => {
      if (s.closed) return;
      if (s.turn) this.endTurn(s, s.turn, 'aborted', 'the session was closed');
      s.inbox = [];
      s.snapshot = undefined;
      s.restoreNeeded = false;
      s.setState('closed');
      this.forgetTimers(s.id);
      this.live.delete(s.id);
      if (this.loaded.delete(s.id)) await this.runtime.closeKey(s.id);
      await this.persist(s);
      this.wakeSettled(s);
      s.listeners.clear();
    });
  }

  delete(caller: Caller, id: string): Promise<void> {
    return this.using(caller, id, async (s) => {
      s.deleted = true;
      if (s.turn) this.endTurn(s, s.turn, 'aborted', 'the session was deleted');
      s.inbox = [];
      this.forgetTimers(s.id);
      this.live.delete(s.id);
      if (this.loaded.delete(s.id)) await this.runtime.closeKey(s.id);
      await s.saving;
      await this.stores.sessions.deleteSession(caller.tenant, s.id);
      this.wakeSettled(s);
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
      turn.ended = { reason: 'aborted', detail: moved.message };
      turn.clearTimers();
      turn.controller.abort(moved);
      for (const input of turn.inputs.values()) input.reject(moved);
      turn.releaseHeld();
      turn.wakeHoldWaiters();
    }
    this.forgetTimers(id);
    if (this.loaded.delete(id)) await this.runtime.closeKey(id);
    this.wakeSettled(s);
    s.listeners.clear();
  }

  subscribe(caller: Caller, id: string, listener: SessionListener): Promise<() => void> {
    return this.using(caller, id, async (s) => {
      s.listeners.add(listener);
      return () => {
        s.listeners.delete(listener);
        this.scheduleQuiet(s);
      };
    });
  }

  stats(): { liveSessions: number; instances: number; queueDepth: number } {
    return { liveSessions: this.loaded.size, instances: this.runtime.liveInstances(), queueDepth: this.runtime.queueDepth() };
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.retentionTimer);
    this.idle.clear();
    this.pageOut.clear();
    const running = [...this.live.values()].filter((s) => !s.quiet);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(running.map((s) => new Promise<void>((resolve) => (s.quiet ? resolve() : s.settledWaiters.push(resolve))))),
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
        turn.ended = { reason: 'aborted', detail: 'runner shutdown' };
        turn.clearTimers();
        turn.controller.abort(stopping);
        for (const input of turn.inputs.values()) input.reject(stopping);
        turn.releaseHeld();
        turn.wakeHoldWaiters();
        s.snapshot = (await this.snapshotOf(s.id)) ?? s.snapshot;
      }
      void this.persist(s).catch(() => undefined);
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
        if (this.stopped) return resumed;
        if (info.state === 'idle' || info.state === 'closed' || this.live.has(info.id)) continue;
        await this.using({ tenant }, info.id, async () => undefined).then(() => resumed++, () => undefined);
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

  // ───────────────────────────── turns ─────────────────────────────

  /** Starts the next turn when none runs and a message waits. */
  private pump(s: LiveSession): void {
    if (s.turn) return;
    const item = s.inbox[0];
    if (!item || s.closed || this.stopped) {
      this.wakeSettled(s);
      this.scheduleQuiet(s);
      return;
    }
    const turn = new Turn(item);
    s.turn = turn;
    this.idle.delete(s.id);
    this.pageOut.delete(s.id);
    s.setState('running');
    void this.runTurn(s, turn).catch((error) => this.endTurn(s, turn, 'error', describe(error)));
  }

  private async runTurn(s: LiveSession, turn: Turn): Promise<void> {
    const version = await this.versionOf(s);
    s.version = version;
    this.armWallClock(s, turn, version.limits.maxTurnMs);
    turn.checkpointTimer = setInterval(() => void this.checkpoint(s, turn), this.config.checkpointEveryMs);
    turn.checkpointTimer.unref();
    if (totalTokens(s.info.usage) >= version.limits.maxTokensPerSession) {
      return this.endTurn(s, turn, 'token_budget', `the session has used its budget of ${version.limits.maxTokensPerSession} tokens`);
    }
    const resumed = await this.restoreAgents(s, turn);
    if (turn.ended) return;
    this.loaded.add(s.id);
    if (!resumed) {
      const message: ChatMessage = { id: turn.item.messageId, turnId: turn.id, role: 'user', content: turn.item.content, sender: 'user' };
      await this.runtime.publishMessage(message, { type: version.loaded.entryTopicType, source: s.id }, { sender: null, messageId: turn.item.messageId, signal: turn.signal });
    }
    for (;;) {
      await this.runtime.idle(s.id);
      if (turn.ended || !turn.heldOpen) break;
      await turn.holdsReleased();
    }
    this.endTurn(s, turn, 'completed');
  }

  /**
   * Brings the session's agents back into the runtime. Returns true when the turn continues
   * from a checkpoint (its undelivered messages are back in the queue) rather than from the top.
   */
  private async restoreAgents(s: LiveSession, turn: Turn): Promise<boolean> {
    const snapshot = s.snapshot;
    const midTurn = snapshot?.pending.some((p) => (p.message as Partial<ChatMessage> | null)?.turnId === turn.id) ?? false;
    if (s.restoreNeeded && snapshot) {
      s.restoreNeeded = false;
      await this.runtime.loadKey(midTurn ? snapshot : { ...snapshot, pending: [] });
    }
    if (midTurn) return true;
    // Interrupted after its agents answered but before the turn was closed: do not answer twice.
    if (answered(s.transcript, turn.id)) {
      this.endTurn(s, turn, 'completed', 'resumed after a restart');
    }
    return false;
  }

  private armWallClock(s: LiveSession, turn: Turn, ms: number): void {
    clearTimeout(turn.wallTimer);
    turn.deadline = Date.now() + ms;
    turn.wallTimer = setTimeout(() => this.endTurn(s, turn, 'timeout', `the turn ran longer than ${s.version?.limits.maxTurnMs} ms`), ms);
  }

  private endTurn(s: LiveSession, turn: Turn, reason: TurnEndReason, detail?: string): void {
    if (turn.ended || s.turn !== turn) return;
    turn.ended = { reason, ...(detail === undefined ? {} : { detail }) };
    turn.clearTimers();
    // Errors only when someone gets them: capturing a stack costs more than the rest of a turn's end.
    const stopped = () => new AppError(reason, 409, detail ?? `the turn ended: ${reason}`);
    if (reason !== 'completed') turn.controller.abort(stopped());
    if (turn.inputs.size) {
      const error = stopped();
      for (const input of turn.inputs.values()) input.reject(error);
      turn.inputs.clear();
    }
    turn.releaseHeld();
    turn.wakeHoldWaiters();
    s.turn = undefined;
    if (s.inbox[0] === turn.item) s.inbox.shift();
    s.info.turns += 1;
    s.info.lastActiveAt = Date.now();
    if (!s.closed) s.setState('idle');
    s.emit('turn_end', { sessionId: s.id, turnId: turn.id, reason, ...(detail === undefined ? {} : { detail }), time: Date.now(), usage: { ...turn.usage } });
    this.savingTurn.add(s);
    void this.afterTurn(s, reason);
  }

  private async afterTurn(s: LiveSession, reason: TurnEndReason): Promise<void> {
    if (!s.closed && this.loaded.has(s.id)) {
      const snapshot = await this.snapshotOf(s.id);
      // An interrupted turn's leftovers must not replay after a restore.
      if (snapshot) s.snapshot = reason === 'completed' ? snapshot : { ...snapshot, pending: [] };
    }
    await this.trimTranscript(s).catch(() => undefined);
    // Nothing queued behind this turn: its end may wait a moment for the next message's write.
    await this.persist(s, s.inbox.length === 0).catch((error) => this.saveFailed(s, 'persist_failed', error));
    this.savingTurn.delete(s);
    this.pump(s);
  }

  private async checkpoint(s: LiveSession, turn: Turn): Promise<void> {
    if (turn.ended) return;
    // A snapshot waits for running handlers; during an input wait or a pause that would stall
    // the turn, so those checkpoints keep the previous snapshot and save the rest.
    if (!turn.inputs.size && !turn.paused) {
      const snapshot = await this.snapshotOf(s.id);
      if (turn.ended) return;
      if (snapshot) s.snapshot = snapshot;
    }
    await this.persist(s).catch((error) => this.saveFailed(s, 'checkpoint_failed', error));
  }

  private saveFailed(s: LiveSession, code: 'persist_failed' | 'checkpoint_failed', error: unknown): void {
    s.emit('warning', { sessionId: s.id, code, message: describe(error) });
    this.onSaveError?.(error, { tenant: s.info.tenant, id: s.id, code });
  }

  private async snapshotOf(id: string): Promise<KeySnapshot | undefined> {
    let wake = () => {};
    const timeout = new Promise<undefined>((resolve) => (wake = () => resolve(undefined)));
    const timer = setTimeout(wake, SNAPSHOT_TIMEOUT_MS);
    try {
      return await Promise.race([this.runtime.saveKey(id), timeout]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private runningTurn(s: LiveSession): Turn {
    if (!s.turn || s.turn.ended) throw conflict(`session "${s.id}" has no turn running`);
    return s.turn;
  }

  private turnOfMessage(s: LiveSession, messageId: string): string {
    return s.inbox.find((i) => i.messageId === messageId)?.turnId ?? s.transcript.find((m) => m.id === messageId && m.sender === 'user')?.turnId ?? '';
  }

  private wakeSettled(s: LiveSession): void {
    const waiters = s.settledWaiters;
    s.settledWaiters = [];
    for (const wake of waiters) wake();
  }

  // ───────────────────────────── the intervention ─────────────────────────────

  /**
   * One handler for the whole runtime: agents publish only into their own session, never into a
   * closed one; every publish of a turn is counted against its budget, traced into the
   * transcript and streamed as a `message` event; a paused turn holds its messages.
   */
  private readonly intervention: InterventionHandler = {
    onPublish: (message, ctx) => {
      const { sender, topicId } = ctx;
      if (sender && sender.key !== topicId.source) {
        throw new AppError('isolation', 403, `agent "${sender.type}" of session "${sender.key}" may not publish into session "${topicId.source}"`);
      }
      const s = this.live.get(topicId.source);
      if (!s || s.closed) throw new AppError('session_closed', 409, `session "${topicId.source}" is not open`);
      if (sender === null) return undefined;
      const turn = s.turn;
      const turnId = (message as Partial<ChatMessage> | null)?.turnId;
      if (!turn || turn.ended || (turnId !== undefined && turnId !== turn.id)) return DROP;
      if (turn.paused) return new Promise((resolve) => turn.hold(() => resolve(turn.ended ? DROP : this.admit(s, turn, message, sender, topicId, ctx.messageId))));
      return this.admit(s, turn, message, sender, topicId, ctx.messageId);
    },
    onSend: (_message, ctx) => {
      if (ctx.sender && ctx.sender.key !== ctx.recipient.key) {
        throw new AppError('isolation', 403, `agent "${ctx.sender.type}" of session "${ctx.sender.key}" may not send to session "${ctx.recipient.key}"`);
      }
      const s = this.live.get(ctx.recipient.key);
      if (!s || s.closed) throw new AppError('session_closed', 409, `session "${ctx.recipient.key}" is not open`);
      return undefined;
    },
  };

  private admit(s: LiveSession, turn: Turn, message: unknown, sender: AgentId, topicId: TopicId, messageId: string): unknown {
    const version = s.version!;
    // Agents answering each other without yielding starve timers: the wall clock is also read here.
    if (Date.now() > turn.deadline) {
      this.endTurn(s, turn, 'timeout', `the turn ran longer than ${version.limits.maxTurnMs} ms`);
      return DROP;
    }
    turn.messages += 1;
    if (turn.messages > version.limits.maxMessagesPerTurn) {
      this.endTurn(s, turn, 'max_messages', `the turn reached its limit of ${version.limits.maxMessagesPerTurn} messages`);
      return DROP;
    }
    const chat = message as Partial<ChatMessage> | null;
    const agent = version.loaded.agentTypeOf(sender.type) ?? sender.type;
    const event: MessageEvent = {
      sessionId: s.id,
      id: typeof chat?.id === 'string' ? chat.id : messageId,
      turnId: turn.id,
      topic: { type: version.loaded.graphTopicType(topicId.type) ?? topicId.type, source: s.id },
      sender: agent,
      recipients: version.recipients(topicId.type, agent),
      role: isRole(chat?.role) ? chat.role : 'assistant',
      content: typeof chat?.content === 'string' ? chat.content : JSON.stringify(message),
      output: version.outputs.has(topicId.type),
      time: Date.now(),
    };
    s.transcript.push(event);
    s.info.lastActiveAt = event.time;
    s.emit('message', event);
    return undefined;
  }

  private onHandlerError(e: HandlerError): void {
    const s = this.live.get(e.agent.key);
    if (!s?.turn) return;
    const agent = s.version?.loaded.agentTypeOf(e.agent.type) ?? e.agent.type;
    s.emit('agent', { sessionId: s.id, turnId: s.turn.id, agent, phase: 'error', error: describe(e.error), time: Date.now() });
  }

  // ───────────────────────────── what agents see ─────────────────────────────

  private agentEnv(tenant: string, graph: Graph): AgentEnv {
    const credential = (name: string) => this.credential(tenant, name);
    return {
      graph,
      model: (modelId) => {
        const def = graph.models.find((m) => m.id === modelId);
        if (!def) throw invalid(`graph "${graph.id}" has no model "${modelId}"`, { model: modelId });
        return this.models.get(tenant, def, credential);
      },
      session: (key) => {
        const s = this.live.get(key);
        if (!s || s.info.tenant !== tenant) throw new AppError('session_closed', 409, `session "${key}" is not open`);
        return (s.context ??= this.sessionContext(s));
      },
    };
  }

  private sessionContext(s: LiveSession): SessionContext {
    const manager = this;
    const user = s.info.user ?? this.config.defaultUser;
    const memory: UserMemory = {
      get: async (key) => (await manager.stores.memory.getMemory(s.info.tenant, user))[key],
      set: (key, value) => manager.stores.memory.setMemory(s.info.tenant, user, key, value),
      list: () => manager.stores.memory.getMemory(s.info.tenant, user),
    };
    return {
      sessionId: s.id,
      tenant: s.info.tenant,
      ...(s.info.user === undefined ? {} : { user: s.info.user }),
      turnId: () => s.turn?.id ?? '',
      get signal() {
        return s.turn?.signal ?? NO_TURN;
      },
      emit: (event, payload) => s.emit(event, { ...payload, sessionId: s.id } as never),
      recordUsage: (agent, usage, modelId) => manager.recordUsage(s, agent, usage, modelId),
      requestInput: (turnId, agent, prompt, timeoutMs) => manager.requestInput(s, turnId, agent, prompt, timeoutMs),
      endTurn: (turnId, reason, detail) => {
        if (s.turn?.id === turnId) manager.endTurn(s, s.turn, reason, detail);
      },
      credential: (name) => manager.credential(s.info.tenant, name),
      memory,
      turnTokens: () => (s.turn ? totalTokens(s.turn.usage) : 0),
      holdTurn: () => (s.turn && !s.turn.ended ? s.turn.holdOpen() : () => undefined),
    };
  }

  private recordUsage(s: LiveSession, agent: string, tokens: TokenCount, modelId?: string): void {
    const turn = s.turn;
    const usage = priced(tokens, s.version?.model(modelId));
    addUsage(s.info.usage, usage);
    const agentUsage = ((s.info.agentUsage ??= {})[agent] ??= zeroUsage());
    addUsage(agentUsage, usage);
    if (turn) addUsage(turn.usage, usage);
    s.emit('usage', { sessionId: s.id, turnId: turn?.id ?? '', agent, usage: { ...agentUsage }, session: { ...s.info.usage } });
    const budget = s.version?.limits.maxTokensPerSession;
    if (turn && budget !== undefined && totalTokens(s.info.usage) >= budget) {
      this.endTurn(s, turn, 'token_budget', `the session used ${totalTokens(s.info.usage)} tokens of its budget of ${budget}`);
    }
  }

  private requestInput(s: LiveSession, turnId: string, agent: string, prompt: string, timeoutMs: number): Promise<string> {
    const turn = s.turn;
    if (!turn || turn.ended || turn.id !== turnId) return Promise.reject(new AppError('no_turn', 409, 'no turn is running'));
    const requestId = randomUUID();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        settle();
        reject(new AppError('input_timeout', 408, `no reply to input request "${requestId}" within ${timeoutMs} ms`));
        this.endTurn(s, turn, 'input_timeout', `${agent} waited ${timeoutMs} ms for input`);
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        turn.inputs.delete(requestId);
        if (s.turn === turn && !turn.ended && turn.inputs.size === 0) s.setState(turn.paused ? 'paused' : 'running');
      };
      const request = { sessionId: s.id, turnId: turn.id, requestId, agent, prompt, timeoutMs };
      turn.inputs.set(requestId, {
        request,
        resolve: (content) => {
          settle();
          resolve(content);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      if (!turn.paused) s.setState('waiting_input');
      s.emit('input_request', request);
    });
  }

  private credential(tenant: string, name: string): string | undefined {
    const values = this.config.credentials?.[tenant];
    return values && Object.hasOwn(values, name) ? values[name] : undefined;
  }

  // ───────────────────────────── memory and storage ─────────────────────────────

  /**
   * Runs `task` on the caller's session, from memory or lazily from the store; a foreign one is
   * "not found". The session cannot be paged out while a task holds it.
   */
  private async using<T>(caller: Caller, id: string, task: (s: LiveSession) => Promise<T>): Promise<T> {
    if (typeof id !== 'string' || !SESSION_ID.test(id)) throw invalid(`session id ${JSON.stringify(id)} is not a session id (UUID)`, { field: 'sessionId' });
    let s = this.live.get(id);
    if (s) s.busy++;
    else {
      s = await this.load(caller.tenant, id);
      if (s) s.busy++;
    }
    if (!s || s.info.tenant !== caller.tenant) {
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

  private async load(tenant: string, id: string): Promise<LiveSession | undefined> {
    let pending: Promise<LiveSession | undefined> | undefined = this.loading.get(id);
    if (!pending) {
      pending = this.loadFromStore(tenant, id);
      this.loading.set(id, pending);
      void pending.finally(() => this.loading.delete(id)).catch(() => undefined);
    }
    const s = await pending;
    return s?.info.tenant === tenant ? s : undefined;
  }

  private async loadFromStore(tenant: string, id: string): Promise<LiveSession | undefined> {
    const record = await this.stores.sessions.getSession(tenant, id);
    if (!record) return undefined;
    const existing = this.live.get(id);
    if (existing) return existing;
    const s = new LiveSession(record);
    if (s.closed) return s;
    this.live.set(id, s);
    // A turn interrupted by a restart or a shutdown continues; waiting messages follow it.
    if (s.info.state !== 'idle') s.setState('idle');
    if (s.inbox.length) this.pump(s);
    return s;
  }

  private async versionOf(s: LiveSession) {
    return (s.version ??= await this.versions.get(s.info.tenant, s.info.graphId, s.info.graphVersion));
  }

  /**
   * Writes go out at once, in order: a store applies one session's writes in the order they are
   * made. Each sends the transcript entries the store lacked when it started; one that starts
   * before the previous finished only repeats entries, which stores keep by index. Waiting for
   * each write to land before the next would cap a session at one write per event-loop turn of
   * the store, which a busy runner falls behind.
   */
  private persist(s: LiveSession, coalesce = false): Promise<void> {
    if (s.deleted) return Promise.resolve();
    const record = s.record();
    const from = s.persistedTranscript;
    const length = s.transcriptLength;
    const rewrites = s.transcriptRewrites;
    // A failed write leaves the store as it was (or, if it landed after all, writing from
    // `from` again only rewrites the same entries), so what the store holds stays known.
    const done = this.stores.sessions.putSession(record, from === undefined ? { coalesce } : { transcriptFrom: from, transcriptOffset: s.transcriptOffset, coalesce }).then(() => {
      if (rewrites !== s.transcriptRewrites) return; // trimmed since: its count no longer applies
      s.persistedTranscript = Math.max(s.persistedTranscript ?? 0, length);
      s.shedTranscript();
    });
    s.saving = done.catch(() => undefined);
    return done;
  }

  private async trimTranscript(s: LiveSession): Promise<void> {
    const max = this.config.retention?.maxTranscriptEntries;
    if (max === undefined || s.transcriptLength <= max) return;
    // The kept entries start before the window: the store has those.
    const older = s.transcript.length < max ? await this.olderEntries(s) : [];
    // A new array: a write in flight may still read the old one (see LiveSession.record).
    s.transcript = older.concat(s.transcript).slice(-max);
    s.transcriptOffset = 0;
    s.transcriptRewrites++;
    s.persistedTranscript = undefined;
  }

  /** The stored entries before the session's window. */
  private async olderEntries(s: LiveSession): Promise<MessageEvent[]> {
    if (s.transcriptOffset === 0) return [];
    await s.saving;
    const stored = await this.stores.sessions.getSession(s.info.tenant, s.id);
    return (stored?.transcript ?? []).slice(0, s.transcriptOffset);
  }

  /** A quiet session frees its agents after the idle timeout, and leaves memory when nobody listens. */
  private scheduleQuiet(s: LiveSession): void {
    if (!s.quiet || s.busy || s.closed || this.stopped || this.live.get(s.id) !== s) return;
    if (this.loaded.has(s.id)) this.idle.touch(s.id);
    if (s.listeners.size === 0) {
      if (this.config.pageOutMs === 0) void this.dropFromMemory(s.id);
      else this.pageOut.touch(s.id);
    }
  }

  private async freeAgents(id: string): Promise<void> {
    const s = this.live.get(id);
    if (!s || !s.quiet || !this.loaded.has(id)) return;
    await s.saving;
    if (!s.quiet || this.live.get(id) !== s) return;
    // The snapshot taken when the turn ended may have timed out: take a fresh one before freeing.
    const snapshot = await this.snapshotOf(id);
    if (!s.quiet || this.live.get(id) !== s) return;
    if (snapshot) {
      s.snapshot = snapshot;
      await this.persist(s).catch(() => undefined);
      if (!s.quiet || this.live.get(id) !== s) return;
    }
    this.loaded.delete(id);
    s.restoreNeeded = s.snapshot !== undefined;
    await this.runtime.closeKey(id);
  }

  private async dropFromMemory(id: string): Promise<void> {
    const s = this.live.get(id);
    if (!s || !s.quiet || s.busy || s.listeners.size) return;
    await s.saving;
    if (!s.quiet || s.busy || s.listeners.size || this.live.get(id) !== s) return;
    this.idle.delete(id);
    this.pageOut.delete(id);
    this.live.delete(id);
    if (this.loaded.delete(id)) await this.runtime.closeKey(id);
  }

  private forgetTimers(id: string): void {
    this.idle.delete(id);
    this.pageOut.delete(id);
  }

  private assertRunning(): void {
    if (this.stopped) throw new AppError('shutting_down', 503, 'the runner is shutting down');
  }
}

function isAnswer(m: MessageEvent, turnId: string, agent: string, content: string): boolean {
  return m.turnId === turnId && m.sender === agent && m.content === content;
}

function isRole(value: unknown): value is Role {
  return value === 'user' || value === 'assistant' || value === 'tool' || value === 'system';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether an agent already answered in the turn. Its entries follow its user message, at the
 * end of the transcript (behind them only messages queued for later turns), so the scan back
 * stops there instead of reading the whole history on every turn.
 */
function answered(transcript: readonly MessageEvent[], turnId: string): boolean {
  for (let i = transcript.length - 1; i >= 0; i--) {
    const m = transcript[i]!;
    if (m.turnId === turnId) return m.sender !== 'user';
  }
  return false;
}
