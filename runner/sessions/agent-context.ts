import { randomUUID } from 'node:crypto';
import type { Graph } from '../../schemas/graph.ts';
import type { ModelDef } from '../../schemas/models.ts';
import type { TurnEndReason } from '../../schemas/protocol.ts';
import type { AgentEnv, SessionContext, UserMemory } from '../agents/env.ts';
import { AppError, invalid } from '../errors.ts';
import type { McpPool } from '../mcp/pool.ts';
import type { ModelClient } from '../models/types.ts';
import type { MemoryStore } from '../store/types.ts';
import type { LiveSession, Turn } from './live-session.ts';
import { addUsage, priced, totalTokens, zeroUsage, type TokenCount } from './usage.ts';

export interface ModelSource {
  get(tenant: string, def: ModelDef, credential: (name: string) => string | undefined): ModelClient;
}

export interface AgentContextDeps {
  live: ReadonlyMap<string, LiveSession>;
  models: ModelSource;
  /** Shared MCP clients; without it, agents that name MCP servers get a tool error. */
  mcp?: Pick<McpPool, 'forGraph'>;
  memory: MemoryStore;
  /** Named credentials per tenant: tenant → name → value. */
  credentials: Record<string, Record<string, string>> | undefined;
  /** Memory of sessions created without a user. */
  defaultUser: string;
  endTurn(s: LiveSession, turn: Turn, reason: TurnEndReason, detail?: string): void;
}

const NO_TURN = AbortSignal.abort(new AppError('no_turn', 409, 'no turn is running'));
const NO_HOLD = () => undefined;

/**
 * What agents see of the runner: per graph version its models, and per session its turn, user
 * memory, credentials, usage accounting and input requests (agents/env.ts).
 */
export class AgentContexts {
  constructor(private readonly deps: AgentContextDeps) {}

  env(tenant: string, graph: Graph): AgentEnv {
    const credential = (name: string) => this.credential(tenant, name);
    return {
      graph,
      model: (modelId) => {
        const def = graph.models.find((m) => m.id === modelId);
        if (!def) throw invalid(`graph "${graph.id}" has no model "${modelId}"`, { model: modelId });
        return this.deps.models.get(tenant, def, credential);
      },
      mcp: graph.mcpServers?.length ? this.deps.mcp?.forGraph(tenant, graph, credential) : undefined,
      session: (key) => {
        const s = this.deps.live.get(key);
        if (!s || s.info.tenant !== tenant) throw new AppError('session_closed', 409, `session "${key}" is not open`);
        return (s.context ??= this.sessionContext(s));
      },
    };
  }

  /**
   * Made each time a session comes into memory, so its functions are methods: under tsx, which
   * keeps function names, each arrow function made here would cost a property definition.
   */
  private sessionContext(s: LiveSession): SessionContext {
    const { memory: store, defaultUser, endTurn } = this.deps;
    const user = s.info.user ?? defaultUser;
    const contexts = this;
    const memory: UserMemory = {
      async get(key) {
        return (await store.getMemory(s.info.tenant, user))[key];
      },
      set(key, value) {
        return store.setMemory(s.info.tenant, user, key, value);
      },
      list() {
        return store.getMemory(s.info.tenant, user);
      },
    };
    return {
      sessionId: s.id,
      tenant: s.info.tenant,
      ...(s.info.user === undefined ? {} : { user: s.info.user }),
      turnId() {
        return s.turn?.id ?? '';
      },
      get signal() {
        return s.turn?.signal ?? NO_TURN;
      },
      emit(event, payload) {
        s.emit(event, { ...payload, sessionId: s.id } as never);
      },
      recordUsage(agent, usage, modelId) {
        contexts.recordUsage(s, agent, usage, modelId);
      },
      requestInput(turnId, agent, prompt, timeoutMs) {
        return contexts.requestInput(s, turnId, agent, prompt, timeoutMs);
      },
      endTurn(turnId, reason, detail) {
        if (s.turn?.id === turnId) endTurn(s, s.turn, reason, detail);
      },
      credential(name) {
        return contexts.credential(s.info.tenant, name);
      },
      memory,
      turnTokens() {
        return s.turn ? totalTokens(s.turn.usage) : 0;
      },
      holdTurn() {
        return s.turn && !s.turn.ended ? s.turn.holdOpen() : NO_HOLD;
      },
    };
  }

  private recordUsage(s: LiveSession, agent: string, tokens: TokenCount, modelId?: string): void {
    const turn = s.turn;
    const usage = priced(tokens, s.version?.model(modelId));
    addUsage(s.info.usage, usage);
    const agentUsage = ((s.info.agentUsage ??= {})[agent] ??= zeroUsage());
    addUsage(agentUsage, usage);
    if (turn) addUsage(turn.usage, usage);
    s.emit('usage', {
      sessionId: s.id,
      turnId: turn?.id ?? '',
      agent,
      usage: { ...agentUsage },
      session: { ...s.info.usage },
      call: usage,
      ...(modelId === undefined ? {} : { model: modelId }),
    });
    const budget = s.version?.limits.maxTokensPerSession;
    if (turn && budget !== undefined && totalTokens(s.info.usage) >= budget) {
      this.deps.endTurn(
        s,
        turn,
        'token_budget',
        `the session used ${totalTokens(s.info.usage)} tokens of its budget of ${budget}`,
      );
    }
  }

  private requestInput(
    s: LiveSession,
    turnId: string,
    agent: string,
    prompt: string,
    timeoutMs: number,
  ): Promise<string> {
    const turn = s.turn;
    if (!turn || turn.ended || turn.id !== turnId)
      return Promise.reject(new AppError('no_turn', 409, 'no turn is running'));
    const requestId = randomUUID();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        settle();
        reject(new AppError('input_timeout', 408, `no reply to input request "${requestId}" within ${timeoutMs} ms`));
        this.deps.endTurn(s, turn, 'input_timeout', `${agent} waited ${timeoutMs} ms for input`);
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
    const values = this.deps.credentials?.[tenant];
    return values && Object.hasOwn(values, name) ? values[name] : undefined;
  }
}
