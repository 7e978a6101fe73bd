import type { Graph } from '../../schemas/graph.ts';
import type { ServerEvents, TurnEndReason } from '../../schemas/protocol.ts';
import type { McpGraphTools } from '../mcp/graph-tools.ts';
import type { ModelClient } from '../models/types.ts';
import type { UserMemory } from '../tools/types.ts';

export type { UserMemory };

/**
 * What an agent may use from its session. The sessions layer implements it; agents never see
 * the store, the server or another session.
 */
export interface SessionContext {
  readonly sessionId: string;
  readonly tenant: string;
  readonly user?: string;
  /** Id of the turn in progress. */
  turnId(): string;
  /** Aborted when the turn is aborted or runs out of budget. */
  readonly signal: AbortSignal;
  emit<E extends keyof ServerEvents>(event: E, payload: Omit<ServerEvents[E], 'sessionId'>): void;
  recordUsage(
    agent: string,
    usage: { promptTokens: number; completionTokens: number; estimated: boolean },
    modelId?: string,
  ): void;
  /**
   * Asks the session's client for input during turn `turnId`; rejects on timeout or abort, or
   * at once when that turn is no longer the one running.
   */
  requestInput(turnId: string, agent: string, prompt: string, timeoutMs: number): Promise<string>;
  /**
   * Ends turn `turnId` if it is still the one running: an agent still busy with a turn that has
   * ended (a late model answer, a timer) must not end the next one.
   */
  endTurn(turnId: string, reason: TurnEndReason, detail?: string): void;
  /** Value of a tenant-scoped credential from the runner config, never from process env. */
  credential(name: string): string | undefined;
  /** Long-term memory of this session's user, scoped to the tenant. */
  readonly memory: UserMemory;
  /**
   * Optional. Tokens recorded by recordUsage in the current turn; a terminator's `maxTokens`
   * uses it, and falls back to estimating the messages it saw when a session does not provide it.
   */
  turnTokens?(): number;
  /**
   * Optional. Keeps the current turn open (not "completed" on runtime idle) until the returned
   * function is called: an aggregator waiting for its timeout holds the turn this way. Releasing
   * twice is harmless; a turn that ends otherwise (abort, budget) ignores its holds.
   */
  holdTurn?(): () => void;
}

/** Shared by every session of a graph version. */
export interface AgentEnv {
  readonly graph: Graph;
  /** Shared model client for a model id of the graph. */
  model(modelId: string): ModelClient;
  /** The graph's MCP servers for this tenant; absent where MCP is not wired (unit tests of other kinds). */
  readonly mcp?: McpGraphTools;
  /** The session an agent key belongs to (key = session id). */
  session(key: string): SessionContext;
}
