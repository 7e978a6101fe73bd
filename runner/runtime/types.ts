import type { AgentId, TopicId } from './ids.ts';

/** What a handler knows about the message it is handling. */
export interface MessageContext {
  /** Sender agent, or null when the message came from outside the runtime (a user, the server). */
  sender: AgentId | null;
  /** Set for a publish, null for a direct send. */
  topicId: TopicId | null;
  isRpc: boolean;
  messageId: string;
  signal: AbortSignal;
  /**
   * The runtime as the handling instance sees it: publishes and sends default their sender to
   * the instance, `{ type }` without a source publishes to its key, nothing goes out once its key
   * was closed, and waiting for its own key while handling is refused. Handlers publish through
   * it, not through the runtime they were made by, which takes every call as from outside. The
   * same object for every message of the instance, so it may be kept for later work (a timer).
   */
  readonly runtime: AgentRuntime;
}

/** An agent instance. One exists per (type, key); the runtime creates it lazily from a factory. */
export interface Agent {
  readonly id: AgentId;
  /** Handles one message; for a send, the return value is the response. */
  onMessage(message: unknown, ctx: MessageContext): Promise<unknown> | unknown;
  saveState?(): unknown;
  loadState?(state: unknown): void | Promise<void>;
  close?(): void | Promise<void>;
}

export type AgentFactory = (id: AgentId, runtime: AgentRuntime) => Agent | Promise<Agent>;

/** AutoGen's Subscription: matches topics and maps each to the agent that should receive it. */
export interface Subscription {
  readonly id: string;
  readonly agentType: string;
  isMatch(topic: TopicId): boolean;
  mapToAgent(topic: TopicId): AgentId;
  /** Two subscriptions are equal when their ids match or when they subscribe the same way. */
  equals(other: Subscription): boolean;
}

export interface PublishOptions {
  sender?: AgentId | null;
  messageId?: string;
  signal?: AbortSignal;
}
export interface SendOptions extends PublishOptions {}

/** Returned by an intervention handler to drop a message. */
export const DROP: unique symbol = Symbol('drop');
export type Drop = typeof DROP;

/**
 * Sees every message before delivery. Return the message (possibly rewritten) to let it
 * through, DROP to drop it, or undefined for "no change". Throwing rejects the publish/send.
 */
export interface InterventionHandler {
  onPublish?(
    message: unknown,
    ctx: { sender: AgentId | null; topicId: TopicId; messageId: string },
  ): unknown | Drop | Promise<unknown | Drop>;
  onSend?(
    message: unknown,
    ctx: { sender: AgentId | null; recipient: AgentId; messageId: string },
  ): unknown | Drop | Promise<unknown | Drop>;
  onResponse?(
    message: unknown,
    ctx: { sender: AgentId; recipient: AgentId | null; messageId: string },
  ): unknown | Drop | Promise<unknown | Drop>;
}

/** Emitted when a handler throws: the runtime keeps going. */
export interface HandlerError {
  error: unknown;
  agent: AgentId;
  messageId: string;
  topicId: TopicId | null;
}

/** A serialisable snapshot of one source (session): its agents' states and its undelivered messages. */
export interface KeySnapshot {
  key: string;
  agents: Record<string, unknown>;
  /**
   * Undelivered publishes, oldest first. `recipients` ("type/key") names the mailboxes still
   * holding the message (others may have handled it already); without it, loading routes the
   * message again by the current subscriptions.
   */
  pending: Array<{ topic: string; message: unknown; sender: string | null; messageId: string; recipients?: string[] }>;
}

export interface AgentRuntime {
  registerFactory(type: string, factory: AgentFactory): void;
  addSubscription(subscription: Subscription): void;
  removeSubscription(id: string): void;
  /** Fire-and-forget fan-out to every subscribed instance except the sender. */
  publishMessage(
    message: unknown,
    topicId: TopicId | { type: string; source?: string },
    options?: PublishOptions,
  ): Promise<void>;
  /** Request/response: resolves with the handler's result, rejects with its error. */
  sendMessage(message: unknown, recipient: AgentId, options?: SendOptions): Promise<unknown>;
  addIntervention(handler: InterventionHandler): void;
  onHandlerError(listener: (e: HandlerError) => void): () => void;

  saveState(): Promise<Record<string, unknown>>;
  loadState(state: Record<string, unknown>): Promise<void>;
  agentSaveState(id: AgentId): Promise<unknown>;
  agentLoadState(id: AgentId, state: unknown): Promise<void>;

  /** Snapshot and restore one source: the per-session persistence primitive. */
  saveKey(key: string): Promise<KeySnapshot>;
  loadKey(snapshot: KeySnapshot): Promise<void>;
  /** Drops every instance, queued message and cache entry of one source. */
  closeKey(key: string): Promise<void>;

  /** Resolves when no message of this key (or of any key) is queued or being handled. */
  idle(key?: string): Promise<void>;
  liveInstances(key?: string): number;
  queueDepth(key?: string): number;
}
