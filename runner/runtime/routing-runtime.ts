import { Envelope, NEVER, newMessageId, PendingCall } from './envelope.ts';
import { KeyClosedError, MessageDroppedError, RecipientNotFoundError } from './errors.ts';
import { copyMessage } from './copy.ts';
import { AgentId, TopicId, topicIdOf } from './ids.ts';
import { intervene } from './interventions.ts';
import type { KeyState } from './key-state.ts';
import type { Mailbox } from './mailbox.ts';
import { DONE, MailboxRuntime } from './mailbox-runtime.ts';
import { SubscriptionRegistry } from './subscription-registry.ts';
import { DROP } from './types.ts';
import type { InterventionHandler, PublishOptions, SendOptions } from './types.ts';

const noop = (): void => {};

/**
 * How a published or sent message reaches mailboxes: copied at publish, through the publish or
 * send interventions (an asynchronous one holds the key's later messages behind it, keeping
 * arrival order), then to each subscribed instance once, or to the one recipient of a send.
 */
export abstract class RoutingRuntime extends MailboxRuntime {
  protected readonly subscriptions = new SubscriptionRegistry((type) => this.factories.has(type));
  protected interventions: InterventionHandler[] = [];
  protected publishHooks: InterventionHandler[] = [];
  protected sendHooks: InterventionHandler[] = [];

  /** `from`: the instance publishing, passed by its InstanceRuntime. */
  publishMessage(
    message: unknown,
    topic: TopicId | { type: string; source?: string },
    options?: PublishOptions,
    from?: Mailbox,
  ): Promise<void> {
    try {
      if (from?.closed) return DONE;
      const topicId = topicIdOf(topic, from?.id.key);
      const sender = options?.sender !== undefined ? options.sender : from !== undefined ? from.id : null;
      const signal = options?.signal ?? NEVER;
      if (signal !== NEVER && signal.aborted) return Promise.reject(signal.reason);
      const owned = copyMessage(message);
      if (this.publishHooks.length > 0)
        return this.publishIntervened(owned, topicId, sender, options?.messageId ?? newMessageId(), signal);
      this.route(owned, topicId, sender, options?.messageId, signal);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Kept apart from publishMessage: its closures would cost the hot path a context allocation. */
  private publishIntervened(
    message: unknown,
    topicId: TopicId,
    sender: AgentId | null,
    messageId: string,
    signal: AbortSignal,
  ): Promise<void> {
    const home = this.keyState(topicId.source);
    const ctx = { sender, topicId, messageId };
    return this.admit(
      home,
      () => intervene(this.publishHooks, message, (h, m) => h.onPublish?.(m, ctx)),
      (m) => {
        if (m !== DROP && !home.closed && !(signal !== NEVER && signal.aborted))
          this.route(m, topicId, sender, messageId, signal);
      },
    );
  }

  /** `from`: the instance sending, passed by its InstanceRuntime. */
  sendMessage(message: unknown, recipient: AgentId, options?: SendOptions, from?: Mailbox): Promise<unknown> {
    try {
      if (from?.closed) return Promise.reject(new KeyClosedError(from.id.key));
      if (!this.factories.has(recipient.type))
        return Promise.reject(new RecipientNotFoundError(`${recipient.type}/${recipient.key}`));
      if (from?.handling && from.id.type === recipient.type && from.id.key === recipient.key) {
        return Promise.reject(
          new Error(
            `agent "${from.id}" cannot send to itself from its own handler: its mailbox is busy with that handler`,
          ),
        );
      }
      const sender = options?.sender !== undefined ? options.sender : from !== undefined ? from.id : null;
      const signal = options?.signal ?? null;
      if (signal?.aborted) return Promise.reject(signal.reason);
      const messageId = options?.messageId ?? newMessageId();
      const owned = copyMessage(message);
      const home = this.keyState(recipient.key);
      return new Promise((resolve, reject) => {
        const call = new PendingCall(resolve, reject, signal);
        const deliver = (m: unknown): void => {
          if (call.settled) return;
          if (m === DROP) return call.reject(new MessageDroppedError(messageId, 'send'));
          if (home.closed) return call.reject(new KeyClosedError(home.key));
          this.enqueue(
            home,
            recipient.type,
            new Envelope(m, sender, null, messageId, signal ?? NEVER, call, this.seq++),
          );
        };
        if (this.sendHooks.length === 0) return deliver(owned);
        const hookCtx = { sender, recipient, messageId };
        this.admit(home, () => intervene(this.sendHooks, owned, (h, m) => h.onSend?.(m, hookCtx)), deliver).catch((e) =>
          call.reject(e),
        );
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs a message's intervention phase, then `deliver`. Synchronous handlers deliver at once;
   * while one message of a key waits for an asynchronous handler, later messages of that key
   * wait behind it, so mailboxes still see arrival order.
   */
  private admit(home: KeyState, phase: () => unknown, deliver: (message: unknown) => void): Promise<void> {
    let outcome: unknown;
    if (home.inflight === 0) {
      outcome = phase();
      if (!(outcome instanceof Promise)) {
        deliver(outcome);
        this.settle(home);
        return DONE;
      }
    } else {
      outcome = home.tail!.then(phase);
    }
    home.inflight++;
    this.inflight++;
    const done = (outcome as Promise<unknown>).then(deliver).finally(() => {
      if (home.closed) return;
      home.inflight--;
      this.inflight--;
      if (home.inflight === 0) home.tail = null;
      this.settle(home);
    });
    home.tail = done.then(noop, noop);
    return done;
  }

  /** `messageId` undefined: the envelope makes one if anybody asks for it. */
  protected route(
    message: unknown,
    topicId: TopicId,
    sender: AgentId | null,
    messageId: string | undefined,
    signal: AbortSignal,
  ): void {
    const types = this.subscriptions.agentTypes(topicId.type);
    const others = this.subscriptions.other;
    if (types.length === 0 && others.length === 0) return;
    const envelope = new Envelope(message, sender, topicId, messageId, signal, null, this.seq++);
    const source = topicId.source;
    let home: KeyState | undefined;
    for (let i = 0; i < types.length; i++) {
      const type = types[i];
      if (sender !== null && sender.key === source && sender.type === type) continue;
      home ??= this.keyState(source);
      this.enqueue(home, type, envelope);
    }
    if (others.length > 0) this.routeOthers(envelope, topicId, sender, types);
  }

  /** Subscriptions that are not source-keyed: matched per message, and still delivered once per instance. */
  private routeOthers(
    envelope: Envelope,
    topicId: TopicId,
    sender: AgentId | null,
    keyedTypes: readonly string[],
  ): void {
    const seen = new Set(keyedTypes.map((t) => `${t}/${topicId.source}`));
    if (sender !== null) seen.add(`${sender.type}/${sender.key}`);
    for (const s of this.subscriptions.other) {
      if (!s.isMatch(topicId)) continue;
      const id = s.mapToAgent(topicId);
      const name = `${id.type}/${id.key}`;
      if (seen.has(name) || !this.factories.has(id.type)) continue;
      seen.add(name);
      this.enqueue(this.keyState(id.key), id.type, envelope);
    }
  }
}
