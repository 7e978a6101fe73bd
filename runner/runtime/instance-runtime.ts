import type { AgentId, TopicId } from './ids.ts';
import type { Mailbox } from './mailbox.ts';
import type { SingleThreadedAgentRuntime } from './single-threaded-runtime.ts';
import type {
  AgentFactory,
  AgentRuntime,
  HandlerError,
  InterventionHandler,
  KeySnapshot,
  PublishOptions,
  SendOptions,
  Subscription,
} from './types.ts';

/**
 * The runtime as one agent instance sees it (a handler's `ctx.runtime`). Every call carries the
 * instance explicitly, as AutoGen's `self.publish_message` passes `sender=self.id`, so the
 * runtime needs no ambient async context (AsyncLocalStorage would turn on promise hooks for the
 * whole process, and every promise would pay for them):
 * - a publish or send defaults its sender to the instance, and `{ type }` without a source
 *   publishes to the instance's key (AutoGen's DefaultTopicId);
 * - once the instance's key was closed, whatever it still publishes goes nowhere and its sends
 *   reject with KeyClosedError;
 * - while the instance is handling a message, waiting for its own key (idle, snapshots, a send
 *   to itself) is refused instead of deadlocking.
 * One exists per instance, made on first use, so work a handler leaves behind (a timer) may keep it.
 */
export class InstanceRuntime implements AgentRuntime {
  constructor(
    private readonly runtime: SingleThreadedAgentRuntime,
    private readonly instance: Mailbox,
  ) {}

  publishMessage(
    message: unknown,
    topicId: TopicId | { type: string; source?: string },
    options?: PublishOptions,
  ): Promise<void> {
    return this.runtime.publishMessage(message, topicId, options, this.instance);
  }

  sendMessage(message: unknown, recipient: AgentId, options?: SendOptions): Promise<unknown> {
    return this.runtime.sendMessage(message, recipient, options, this.instance);
  }

  idle(key?: string): Promise<void> {
    return this.runtime.idle(key, this.instance);
  }

  saveState(): Promise<Record<string, unknown>> {
    return this.runtime.saveState(this.instance);
  }

  loadState(state: Record<string, unknown>): Promise<void> {
    return this.runtime.loadState(state, this.instance);
  }

  agentSaveState(id: AgentId): Promise<unknown> {
    return this.runtime.agentSaveState(id, this.instance);
  }

  agentLoadState(id: AgentId, state: unknown): Promise<void> {
    return this.runtime.agentLoadState(id, state, this.instance);
  }

  saveKey(key: string): Promise<KeySnapshot> {
    return this.runtime.saveKey(key, this.instance);
  }

  loadKey(snapshot: KeySnapshot): Promise<void> {
    return this.runtime.loadKey(snapshot, this.instance);
  }

  // What follows does not depend on who calls it.

  registerFactory(type: string, factory: AgentFactory): void {
    this.runtime.registerFactory(type, factory);
  }

  addSubscription(subscription: Subscription): void {
    this.runtime.addSubscription(subscription);
  }

  removeSubscription(id: string): void {
    this.runtime.removeSubscription(id);
  }

  addIntervention(handler: InterventionHandler): void {
    this.runtime.addIntervention(handler);
  }

  onHandlerError(listener: (e: HandlerError) => void): () => void {
    return this.runtime.onHandlerError(listener);
  }

  closeKey(key: string): Promise<void> {
    return this.runtime.closeKey(key);
  }

  liveInstances(key?: string): number {
    return this.runtime.liveInstances(key);
  }

  queueDepth(key?: string): number {
    return this.runtime.queueDepth(key);
  }
}
