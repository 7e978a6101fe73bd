import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import { loadGraph } from '../agents/load-graph.ts';
import { ModelRegistry } from '../models/registry.ts';
import type { AgentRuntime } from '../runtime/types.ts';
import type { Stores } from '../store/types.ts';
import type { Instruments } from '../telemetry/instruments.ts';
import { resumeTrace } from '../telemetry/propagation.ts';
import { AgentContexts } from './agent-context.ts';
import { GraphVersions } from './graph-versions.ts';
import { replyToInput } from './input-reply.ts';
import { LiveSession, type Turn } from './live-session.ts';
import { handlerErrorEvents, publishPolicy } from './publish-policy.ts';
import { Residency } from './residency.ts';
import { Retention } from './retention.ts';
import { RunnerLifecycle } from './runner-lifecycle.ts';
import { checkMessage, checkReply } from './session-checks.ts';
import { listSessions } from './session-list.ts';
import { withDefaults, type ResolvedConfig, type SessionManagerDeps } from './session-manager-options.ts';
import { SessionTeardown } from './session-teardown.ts';
import { SessionWriter } from './session-writer.ts';
import { TurnRunner } from './turn-runner.ts';
import { startEvent, startItem } from './start-message.ts';
import type { Caller, CreateOptions, SessionListener, Sessions } from './types.ts';
import { newSessionInfo, UserMessages } from './user-messages.ts';

export type { ModelSource } from './agent-context.ts';
export type { SessionManagerConfig, SessionManagerDeps } from './session-manager-options.ts';

/**
 * Sessions on one shared runtime: session id = topic source. The API on top of its parts: the
 * turns (turn-runner.ts), the publish policy (publish-policy.ts), what agents see
 * (agent-context.ts), which sessions are in memory (residency.ts), user messages
 * (user-messages.ts), how a session ends (session-teardown.ts) and the runner's start and stop
 * (runner-lifecycle.ts), all writing through one SessionWriter.
 */
export class SessionManager implements Sessions {
  private readonly stores: Stores;
  private readonly runtime: AgentRuntime;
  private readonly versions: GraphVersions;
  private readonly writer: SessionWriter;
  private readonly residency: Residency;
  private readonly turns: TurnRunner;
  private readonly contexts: AgentContexts;
  private readonly userMessages: UserMessages;
  private readonly teardown: SessionTeardown;
  private readonly retention: Retention;
  private readonly lifecycle: RunnerLifecycle;
  private readonly config: ResolvedConfig;
  private readonly live: Map<string, LiveSession>;
  private readonly instruments: Instruments | undefined;

  constructor(deps: SessionManagerDeps) {
    this.stores = deps.stores;
    this.runtime = deps.runtime;
    this.instruments = deps.instruments;
    this.config = withDefaults(deps.config);
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
    const parts = {
      sessions: this.stores.sessions,
      runtime: this.runtime,
      residency: this.residency,
      turns: this.turns,
      writer: this.writer,
    };
    this.userMessages = new UserMessages({ ...parts, versionOf: (s) => this.versionOf(s) });
    this.teardown = new SessionTeardown({ ...parts, instruments: deps.instruments });
    this.runtime.addIntervention(publishPolicy({ live: this.live, endTurn }));
    const detach = this.runtime.onHandlerError(handlerErrorEvents(this.live));
    this.retention = new Retention(this.stores.sessions, this.config.retention);
    this.lifecycle = new RunnerLifecycle({
      ...parts,
      retention: this.retention,
      shutdownGraceMs: this.config.shutdownGraceMs,
      detach,
    });
  }

  // ───────────────────────────── the Sessions API ─────────────────────────────

  async create(caller: Caller, options: CreateOptions): Promise<SessionInfo> {
    this.lifecycle.assertRunning();
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
    // Stored running with its start message queued, as a user message is (see user-messages.ts).
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

  list(caller: Caller, filter: { graphId?: string; state?: string; user?: string } = {}): Promise<SessionInfo[]> {
    return listSessions(this.stores.sessions, this.live, caller, filter);
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
    this.lifecycle.assertRunning();
    checkMessage(message);
    const { content } = message;
    // The caller's trace context is active only now, before the first await.
    const inCallerTrace = resumeTrace();
    return this.residency.using(caller, id, (s) =>
      this.userMessages.accept(s, content, message.messageId, inCallerTrace),
    );
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
      await replyToInput(s, requestId, content, this.writer);
    });
  }

  pause(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, async (s) => this.turns.pause(s));
  }

  resume(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, async (s) => this.turns.resume(s));
  }

  abort(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, async (s) => this.turns.abort(s));
  }

  close(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, (s) => this.teardown.close(s));
  }

  delete(caller: Caller, id: string): Promise<void> {
    return this.residency.using(caller, id, (s) => this.teardown.delete(s));
  }

  /** Cluster mode: another process holds the session's lease now (see SessionTeardown.evict). */
  evict(id: string): Promise<void> {
    return this.teardown.evict(id);
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

  shutdown(): Promise<void> {
    return this.lifecycle.shutdown();
  }

  /** After a restart: the turns stored mid-way go on (see RunnerLifecycle.resumeInterrupted). */
  resumeInterrupted(tenants: string[]): Promise<number> {
    return this.lifecycle.resumeInterrupted(tenants);
  }

  /** Applies the retention policy now (it also runs on its own timer when configured). */
  prune(): Promise<number> {
    return this.retention.prune();
  }

  private async versionOf(s: LiveSession) {
    return (s.version ??= await this.versions.get(s.info.tenant, s.info.graphId, s.info.graphVersion));
  }
}
