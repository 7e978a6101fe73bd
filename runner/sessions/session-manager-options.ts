import type { McpPool } from '../mcp/pool.ts';
import type { AgentRuntime } from '../runtime/types.ts';
import type { Stores } from '../store/types.ts';
import type { Instruments } from '../telemetry/instruments.ts';
import type { ModelSource } from './agent-context.ts';
import type { EffectiveLimits, GraphLoader } from './graph-versions.ts';
import type { SaveErrorCode } from './session-writer.ts';

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

/** The config with its defaults in: ceilings, credentials and retention have none. */
export type ResolvedConfig = Required<Omit<SessionManagerConfig, 'limits' | 'credentials' | 'retention'>> &
  SessionManagerConfig;

export function withDefaults(config: SessionManagerConfig = {}): ResolvedConfig {
  return {
    idleTimeoutMs: 15 * 60_000,
    pageOutMs: 0,
    checkpointEveryMs: 5000,
    shutdownGraceMs: 10_000,
    defaultUser: 'anonymous',
    // An option given as undefined keeps its default.
    ...Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)),
  };
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
  /** Shared MCP clients; without it, agents that name MCP servers get a tool error. */
  mcp?: Pick<McpPool, 'forGraph'>;
  config?: SessionManagerConfig;
  /**
   * A save after the ack point failed (a turn's end, a checkpoint): the session's clients get a
   * warning event, the operator this. The writes stay in memory and the next save retries them.
   */
  onSaveError?: (error: unknown, session: { tenant: string; id: string; code: SaveErrorCode }) => void;
  /** The runner's turn and session metrics; none when omitted. */
  instruments?: Instruments;
}
