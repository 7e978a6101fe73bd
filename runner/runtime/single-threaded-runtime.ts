import { Delivery, Envelope, NEVER, newMessageId, PendingCall } from './envelope.ts';
import { KeyClosedError, MessageDroppedError, RecipientNotFoundError } from './errors.ts';
import { copyMessage } from './copy.ts';
import { AgentId, TopicId } from './ids.ts';
import { intervene, isThenable } from './interventions.ts';
import { KeyState } from './key-state.ts';
import { Mailbox } from './mailbox.ts';
import { SubscriptionRegistry } from './subscription-registry.ts';
import { DROP } from './types.ts';
import type {
  Agent,
  AgentFactory,
  AgentRuntime,
  HandlerError,
  InterventionHandler,
  KeySnapshot,
  PublishOptions,
  SendOptions,
  Subscription,
} from './types.ts';

export interface RuntimeOptions {
  interventions?: InterventionHandler[];
}

/** Returned by every publish that was queued synchronously: no promise per message. */
const DONE: Promise<void> = Promise.resolve();
const noop = (): void => {};

/**
 * AutoGen core's SingleThreadedAgentRuntime semantics, with these differences:
 * - each instance has a mailbox: one message at a time, in arrival order (AutoGen runs every
 *   envelope in its own task, so one instance may run handlers concurrently);
 * - an instance receives a publish once even when several subscriptions map to it;
 * - messages (and responses) are plain data, copied at publish; each recipient gets its own copy
 *   (see copy.ts), so nobody shares a mutable object with the publisher or another recipient;
 * - an intervention handler returning undefined means "no change", and one that throws rejects
 *   the publish (AutoGen only logs it);
 * - a key (session) can be closed, snapshotted and restored with its undelivered messages, and
 *   nothing of a closed key stays in memory (AutoGen never releases instances or caches);
 * - publishing `{ type }` without a source outside a handler is an error, not source "default":
 *   in a multi-session runtime a forgotten session id must not merge sessions into one;
 * - "inside a handler" means through the handler's `ctx.runtime` (see InstanceRuntime), which
 *   passes the instance explicitly: the runtime keeps no ambient async context.
 * Sends inside one key may deadlock like any mailbox system: an agent that awaits a send to an
 * agent that awaits a send back waits forever; a send to itself from its own handler is refused.
 */
export class SingleThreadedAgentRuntime implements AgentRuntime {
  private readonly factories = new Map<string, AgentFactory>();
  private readonly subscriptions = new SubscriptionRegistry((type) => this.factories.has(type));
  private readonly keys = new Map<string, KeyState>();
  private readonly errorListeners = new Set<(e: HandlerError) => void>();
  private interventions: InterventionHandler[] = [];
  private publishHooks: InterventionHandler[] = [];
  private sendHooks: InterventionHandler[] = [];
  private responseHooks: InterventionHandler[] = [];

  /** Mailboxes with something to do, started together by one microtask. */
  private readyHead: Mailbox | null = null;
  private readyTail: Mailbox | null = null;
  private flushScheduled = false;

  private seq = 0;
  private live = 0;
  private queued = 0;
  private running = 0;
  private inflight = 0;
  private pausedAll = 0;
  private frozenAll = 0;
  private idleWaiters: Array<() => void> = [];
  private quietWaiters: Array<() => void> = [];

  constructor(options: RuntimeOptions = {}) {
    for (const handler of options.interventions ?? []) this.addIntervention(handler);
  }

  registerFactory(type: string, factory: AgentFactory): void {
    new AgentId(type, '');
    if (typeof factory !== 'function') throw new TypeError(`factory for agent type "${type}" must be a function`);
    if (this.factories.has(type)) throw new Error(`agent type "${type}" is already registered`);
    this.factories.set(type, factory);
    this.subscriptions.invalidate();
  }

  addSubscription(subscription: Subscription): void {
    this.subscriptions.add(subscription);
  }

  removeSubscription(id: string): void {
    this.subscriptions.remove(id);
  }

  addIntervention(handler: InterventionHandler): void {
    this.interventions = [...this.interventions, handler];
    this.publishHooks = this.interventions.filter((h) => h.onPublish);
    this.sendHooks = this.interventions.filter((h) => h.onSend);
    this.responseHooks = this.interventions.filter((h) => h.onResponse);
  }

  onHandlerError(listener: (e: HandlerError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  // ── publish and send ──────────────────────────────────────────────────────────────────────

  /** `from`: the instance publishing, passed by its InstanceRuntime. */
  publishMessage(message: unknown, topic: TopicId | { type: string; source?: string }, options?: PublishOptions, from?: Mailbox): Promise<void> {
    try {
      if (from?.closed) return DONE;
      const topicId = this.topicOf(topic, from);
      const sender = options?.sender !== undefined ? options.sender : from !== undefined ? from.id : null;
      const signal = options?.signal ?? NEVER;
      if (signal !== NEVER && signal.aborted) return Promise.reject(signal.reason);
      const owned = copyMessage(message);
      if (this.publishHooks.length > 0) return this.publishIntervened(owned, topicId, sender, options?.messageId ?? newMessageId(), signal);
      this.route(owned, topicId, sender, options?.messageId, signal);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Kept apart from publishMessage: its closures would cost the hot path a context allocation. */
  private publishIntervened(message: unknown, topicId: TopicId, sender: AgentId | null, messageId: string, signal: AbortSignal): Promise<void> {
    const home = this.keyState(topicId.source);
    const ctx = { sender, topicId, messageId };
    return this.admit(
      home,
      () => intervene(this.publishHooks, message, (h, m) => h.onPublish?.(m, ctx)),
      (m) => {
        if (m !== DROP && !home.closed && !(signal !== NEVER && signal.aborted)) this.route(m, topicId, sender, messageId, signal);
      },
    );
  }

  /** `from`: the instance sending, passed by its InstanceRuntime. */
  sendMessage(message: unknown, recipient: AgentId, options?: SendOptions, from?: Mailbox): Promise<unknown> {
    try {
      if (from?.closed) return Promise.reject(new KeyClosedError(from.id.key));
      if (!this.factories.has(recipient.type)) return Promise.reject(new RecipientNotFoundError(`${recipient.type}/${recipient.key}`));
      if (from?.handling && from.id.type === recipient.type && from.id.key === recipient.key) {
        return Promise.reject(new Error(`agent "${from.id}" cannot send to itself from its own handler: its mailbox is busy with that handler`));
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
          this.enqueue(home, recipient.type, new Envelope(m, sender, null, messageId, signal ?? NEVER, call, this.seq++));
        };
        if (this.sendHooks.length === 0) return deliver(owned);
        const hookCtx = { sender, recipient, messageId };
        this.admit(home, () => intervene(this.sendHooks, owned, (h, m) => h.onSend?.(m, hookCtx)), deliver).catch((e) => call.reject(e));
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
  private route(message: unknown, topicId: TopicId, sender: AgentId | null, messageId: string | undefined, signal: AbortSignal): void {
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
  private routeOthers(envelope: Envelope, topicId: TopicId, sender: AgentId | null, keyedTypes: readonly string[]): void {
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

  // ── mailboxes ─────────────────────────────────────────────────────────────────────────────

  private enqueue(home: KeyState, type: string, envelope: Envelope): void {
    let box = home.instances.get(type);
    if (box === undefined) {
      box = new Mailbox(new AgentId(type, home.key), home);
      home.instances.set(type, box);
    }
    box.push(envelope);
    envelope.holders++;
    home.queued++;
    this.queued++;
    this.schedule(box);
  }

  private schedule(box: Mailbox): void {
    if (box.busy) return;
    box.busy = true;
    if (this.readyTail === null) this.readyHead = box;
    else this.readyTail.nextReady = box;
    this.readyTail = box;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      void DONE.then(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    let box = this.readyHead;
    this.readyHead = this.readyTail = null;
    while (box !== null) {
      const next = box.nextReady;
      box.nextReady = null;
      this.drain(box);
      box = next;
    }
  };

  /**
   * Handles a mailbox's envelopes one by one until it is empty, paused or closed, or a handler
   * goes asynchronous (its continuation calls drain again).
   */
  private drain(box: Mailbox): void {
    const home = box.home;
    for (;;) {
      if (box.closed) return;
      const envelope = this.next(box, home);
      if (envelope === undefined) {
        box.busy = false;
        return;
      }
      home.queued--;
      this.queued--;
      // The last mailbox to take a message gets the runtime's copy itself; the others copy it.
      const last = --envelope.holders === 0;
      if (envelope.cancelled) {
        this.settle(home);
        continue;
      }
      const message = last ? envelope.message : copyMessage(envelope.message);
      home.running++;
      this.running++;
      box.current = envelope;
      if (box.agent === null) return this.create(box, envelope, message);
      if (!this.handle(box, box.agent, envelope, message)) return;
    }
  }

  /** Calls the handler; true when it finished synchronously, false when a continuation will resume the mailbox. */
  private handle(box: Mailbox, agent: Agent, envelope: Envelope, message: unknown): boolean {
    let result: unknown;
    try {
      result = agent.onMessage(message, new Delivery(envelope, box));
    } catch (error) {
      this.failed(box, error);
      return true;
    }
    if (result instanceof Promise) {
      if (box.resolved === null) this.makeContinuations(box);
      result.then(box.resolved, box.rejected);
      return false;
    }
    if (!isThenable(result)) {
      this.handled(box, result);
      return true;
    }
    if (box.resolved === null) this.makeContinuations(box);
    Promise.resolve(result).then(box.resolved, box.rejected);
    return false;
  }

  /** Once per instance, outside handle() so its closures cost the hot path no context allocation. */
  private makeContinuations(box: Mailbox): void {
    box.resolved = (value) => {
      this.handled(box, value);
      this.drain(box);
    };
    box.rejected = (error) => {
      this.failed(box, error);
      this.drain(box);
    };
  }

  /** First message of an instance: make the agent (maybe asynchronously), then handle the message. */
  private create(box: Mailbox, envelope: Envelope, message: unknown): void {
    const proceed = (agent: Agent): void => {
      if (box.closed) return;
      if (this.handle(box, agent, envelope, message)) this.drain(box);
    };
    const failure = (error: unknown): void => {
      this.failed(box, error);
      this.drain(box);
    };
    try {
      const made = this.instantiate(box);
      if (made instanceof Promise) made.then(proceed, failure);
      else proceed(made);
    } catch (error) {
      failure(error);
    }
  }

  // Both count the message as finished before telling anyone: a listener or an intervention may
  // close the key right there, and closing subtracts whatever the key still counts.
  private handled(box: Mailbox, result: unknown): void {
    if (box.closed) return;
    const envelope = box.current!;
    box.current = null;
    this.finished(box.home);
    if (envelope.call !== null) this.respond(box, envelope, envelope.call, result);
  }

  private failed(box: Mailbox, error: unknown): void {
    if (box.closed) return;
    const envelope = box.current!;
    box.current = null;
    this.finished(box.home);
    if (envelope.call !== null) envelope.call.reject(error);
    else this.report({ error, agent: box.id, messageId: envelope.messageId, topicId: envelope.topicId });
  }

  private finished(home: KeyState): void {
    home.running--;
    this.running--;
    this.settle(home);
  }

  private next(box: Mailbox, home: KeyState): Envelope | undefined {
    if (home.paused === 0 && this.pausedAll === 0) return box.shift();
    if (home.frozen > 0 || this.frozenAll > 0) return undefined;
    return box.takeCall();
  }

  private instantiate(box: Mailbox): Agent | Promise<Agent> {
    if (box.creating !== null) return box.creating;
    const made = this.factories.get(box.id.type)!(box.id, this);
    if (!isThenable(made)) return this.adopt(box, made);
    box.creating = Promise.resolve(made).then(
      (agent) => this.adopt(box, agent),
      (error) => {
        box.creating = null;
        throw error;
      },
    );
    return box.creating;
  }

  private adopt(box: Mailbox, agent: Agent): Agent {
    box.creating = null;
    if (typeof agent?.onMessage !== 'function') throw new TypeError(`factory for agent type "${box.id.type}" returned no agent with an onMessage method`);
    if (box.closed) {
      void Promise.resolve()
        .then(() => agent.close?.())
        .catch((error) => this.report({ error, agent: box.id, messageId: '', topicId: null }));
      throw new KeyClosedError(box.id.key);
    }
    box.agent = agent;
    box.home.live++;
    this.live++;
    return agent;
  }

  private respond(box: Mailbox, envelope: Envelope, call: PendingCall, result: unknown): void {
    try {
      const owned = copyMessage(result);
      if (this.responseHooks.length === 0) return call.resolve(owned);
      const { messageId } = envelope;
      const hookCtx = { sender: box.id, recipient: envelope.sender, messageId };
      const answer = intervene(this.responseHooks, owned, (h, m) => h.onResponse?.(m, hookCtx));
      const settle = (m: unknown): void => (m === DROP ? call.reject(new MessageDroppedError(messageId, 'response')) : call.resolve(m));
      if (answer instanceof Promise) answer.then(settle, (e) => call.reject(e));
      else settle(answer);
    } catch (error) {
      call.reject(error);
    }
  }

  private report(e: HandlerError): void {
    if (this.errorListeners.size === 0) {
      console.error(`handler of ${e.agent} failed on message ${e.messageId}:`, e.error);
      return;
    }
    for (const listener of this.errorListeners) {
      try {
        listener(e);
      } catch {
        // A failing listener must not stop the runtime or the other listeners.
      }
    }
  }

  /** Wakes whoever waits for this key (or the runtime) to be idle or quiet; forgets an empty key. */
  private settle(home: KeyState): void {
    if (home.work === 0) {
      if (home.idleWaiters !== null) {
        const waiters = home.idleWaiters;
        home.idleWaiters = null;
        for (const wake of waiters) wake();
      }
      if (home.instances.size === 0 && home.paused === 0 && this.keys.get(home.key) === home) this.keys.delete(home.key);
    }
    if (home.paused > 0 && home.running === 0 && home.quietWaiters !== null) {
      const waiters = home.quietWaiters;
      home.quietWaiters = null;
      for (const wake of waiters) wake();
    }
    this.settleRuntime();
  }

  private settleRuntime(): void {
    if (this.idleWaiters.length > 0 && this.queued + this.running + this.inflight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
    if (this.quietWaiters.length > 0 && this.running === 0) {
      const waiters = this.quietWaiters;
      this.quietWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private keyState(key: string): KeyState {
    let home = this.keys.get(key);
    if (home === undefined) {
      home = new KeyState(key, this);
      this.keys.set(key, home);
    }
    return home;
  }

  private topicOf(topic: TopicId | { type: string; source?: string }, from: Mailbox | undefined): TopicId {
    if (topic instanceof TopicId) return topic;
    if (typeof topic !== 'object' || topic === null || typeof topic.type !== 'string') {
      throw new TypeError('topic must be a TopicId or { type: string, source?: string }');
    }
    if (topic.source === undefined) {
      if (from === undefined) {
        throw new TypeError(`topic "${topic.type}" has no source: outside a handler's ctx.runtime, pass the source (the session id) explicitly`);
      }
      return new TopicId(topic.type, from.id.key);
    }
    if (typeof topic.source !== 'string') throw new TypeError(`topic "${topic.type}": source must be a string`);
    return new TopicId(topic.type, topic.source);
  }

  // ── state ─────────────────────────────────────────────────────────────────────────────────

  // `from` below: the instance asking, passed by its InstanceRuntime.

  async saveState(from?: Mailbox): Promise<Record<string, unknown>> {
    return this.whileQuiet(from, undefined, 'saveState', async () => {
      const state: Record<string, unknown> = {};
      for (const home of this.keys.values()) await this.saveAgents(home, state);
      return state;
    });
  }

  async loadState(state: Record<string, unknown>, from?: Mailbox): Promise<void> {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) throw new TypeError('runtime state must be an object of "type/key": state');
    const entries = Object.entries(state).map(([name, s]) => [AgentId.parse(name), s] as const);
    await this.whileQuiet(from, undefined, 'loadState', async () => {
      for (const [id, s] of entries) if (this.factories.has(id.type)) await this.loadAgent(this.keyState(id.key), id.type, s);
    });
  }

  async agentSaveState(id: AgentId, from?: Mailbox): Promise<unknown> {
    this.requireType(id.type);
    return this.whileQuiet(from, id.key, 'agentSaveState', async () => {
      const agent = await this.ensureAgent(this.keyState(id.key), id.type);
      return agent.saveState?.();
    });
  }

  async agentLoadState(id: AgentId, state: unknown, from?: Mailbox): Promise<void> {
    this.requireType(id.type);
    await this.whileQuiet(from, id.key, 'agentLoadState', () => this.loadAgent(this.keyState(id.key), id.type, state));
  }

  /**
   * A consistent cut of one key: waits for its running handlers to finish (meanwhile its queued
   * publishes wait and only sends run, since a running handler may be awaiting one), then takes
   * the agents' states and the publishes still queued, each with the mailboxes that still hold
   * it. Queued sends are left out: their callers are live promises no snapshot can carry.
   */
  async saveKey(key: string, from?: Mailbox): Promise<KeySnapshot> {
    if (typeof key !== 'string') throw new TypeError('saveKey: key must be a string');
    return this.whileQuiet(from, key, 'saveKey', async () => {
      const snapshot: KeySnapshot = { key, agents: {}, pending: [] };
      const home = this.keys.get(key);
      if (home === undefined) return snapshot;
      await this.saveAgents(home, snapshot.agents);
      const recipients = new Map<Envelope, string[]>();
      for (const box of home.instances.values()) {
        for (const envelope of box.pending()) {
          // A send's caller is a live promise that no snapshot can carry over.
          if (envelope.call !== null || envelope.cancelled) continue;
          let names = recipients.get(envelope);
          if (names === undefined) recipients.set(envelope, (names = []));
          names.push(box.id.toString());
        }
      }
      const ordered = [...recipients].sort(([a], [b]) => a.seq - b.seq);
      snapshot.pending = ordered.map(([envelope, names]) => ({
        topic: envelope.topicId!.toString(),
        message: copyMessage(envelope.message),
        sender: envelope.sender?.toString() ?? null,
        messageId: envelope.messageId,
        recipients: names,
      }));
      return snapshot;
    });
  }

  /**
   * Restores a key from saveKey: agents are created and given their states (types no longer
   * registered are skipped, like loadState), then the pending messages are queued again, to the
   * recorded mailboxes or, without `recipients`, by the current subscriptions. Interventions are
   * not run again: they saw these messages when they were first published.
   */
  async loadKey(snapshot: KeySnapshot, from?: Mailbox): Promise<void> {
    const { key, agents, pending } = checkSnapshot(snapshot);
    const states = Object.entries(agents).map(([name, state]) => {
      const id = AgentId.parse(name);
      if (id.key !== key) throw new TypeError(`loadKey: agents["${name}"] belongs to key "${id.key}", not "${key}"`);
      return [id, state] as const;
    });
    const messages = pending.map((p, i) => {
      const topicId = TopicId.parse(p.topic);
      if (topicId.source !== key) throw new TypeError(`loadKey: pending[${i}].topic "${p.topic}" belongs to source "${topicId.source}", not "${key}"`);
      const recipients = p.recipients?.map((r) => AgentId.parse(r));
      const stray = recipients?.find((r) => r.key !== key);
      if (stray) throw new TypeError(`loadKey: pending[${i}].recipients names "${stray}", not an agent of key "${key}"`);
      return { topicId, recipients, message: restored(p.message, i), sender: p.sender === null ? null : AgentId.parse(p.sender), messageId: p.messageId };
    });
    await this.whileQuiet(from, key, 'loadKey', async () => {
      const home = this.keyState(key);
      for (const [id, state] of states) if (this.factories.has(id.type)) await this.loadAgent(home, id.type, state);
      for (const m of messages) {
        if (m.recipients === undefined) {
          this.route(m.message, m.topicId, m.sender, m.messageId, NEVER);
          continue;
        }
        const envelope = new Envelope(m.message, m.sender, m.topicId, m.messageId, NEVER, null, this.seq++);
        for (const r of m.recipients) if (this.factories.has(r.type)) this.enqueue(home, r.type, envelope);
      }
    });
  }

  private async saveAgents(home: KeyState, into: Record<string, unknown>): Promise<void> {
    for (const box of home.instances.values()) {
      if (box.agent?.saveState) into[box.id.toString()] = await box.agent.saveState();
    }
  }

  private async loadAgent(home: KeyState, type: string, state: unknown): Promise<void> {
    const agent = await this.ensureAgent(home, type);
    await agent.loadState?.(state);
  }

  /** The instance of `type` for this key, made now if it does not exist yet (AutoGen's load_state does the same). */
  private async ensureAgent(home: KeyState, type: string): Promise<Agent> {
    let box = home.instances.get(type);
    if (box === undefined) {
      box = new Mailbox(new AgentId(type, home.key), home);
      home.instances.set(type, box);
    }
    return box.agent ?? (await this.instantiate(box));
  }

  private requireType(type: string): void {
    if (!this.factories.has(type)) throw new RecipientNotFoundError(type);
  }

  /**
   * Runs `body` on a consistent cut of one key (or of the runtime): first no new message starts
   * except sends (a running handler may be waiting for one), then, once no handler runs, nothing
   * starts until `body` is done.
   */
  private async whileQuiet<T>(from: Mailbox | undefined, key: string | undefined, operation: string, body: () => Promise<T>): Promise<T> {
    if (from?.handling && (key === undefined || from.id.key === key)) {
      throw new Error(`${operation} cannot run inside a handler of ${key === undefined ? 'this runtime' : `key "${key}"`}: it waits for that handler to finish`);
    }
    if (key === undefined) {
      this.pausedAll++;
      try {
        if (this.running > 0) await new Promise<void>((wake) => this.quietWaiters.push(wake));
        this.frozenAll++;
        try {
          return await body();
        } finally {
          this.frozenAll--;
        }
      } finally {
        this.pausedAll--;
        if (this.pausedAll === 0) for (const home of this.keys.values()) this.resume(home);
      }
    }
    const home = this.keyState(key);
    home.paused++;
    try {
      if (home.running > 0) await new Promise<void>((wake) => (home.quietWaiters ??= []).push(wake));
      home.frozen++;
      try {
        return await body();
      } finally {
        home.frozen--;
      }
    } finally {
      home.paused--;
      if (!home.closed) {
        this.resume(home);
        this.settle(home);
      }
    }
  }

  private resume(home: KeyState): void {
    for (const box of home.instances.values()) if (box.size > 0) this.schedule(box);
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────────────

  /**
   * Forgets a key at once: queued messages are dropped, pending sends (and a send being handled)
   * rejected with KeyClosedError, instances closed; a handler still running finishes unheard and
   * whatever it publishes or sends is dropped. The next message to the key starts it afresh.
   */
  async closeKey(key: string): Promise<void> {
    const home = this.keys.get(key);
    if (home === undefined) return;
    this.keys.delete(key);
    home.closed = true;
    this.live -= home.live;
    this.queued -= home.queued;
    this.running -= home.running;
    this.inflight -= home.inflight;
    const closed = new KeyClosedError(key);
    const closing: Array<Promise<void>> = [];
    for (const box of home.instances.values()) {
      box.closed = true;
      for (const envelope of box.clear()) envelope.call?.reject(closed);
      box.current?.call?.reject(closed);
      box.current = null;
      if (box.agent !== null) closing.push(this.closeAgent(box.id, box.agent));
      box.agent = null;
    }
    home.instances.clear();
    home.tail = null;
    for (const wake of [...(home.idleWaiters ?? []), ...(home.quietWaiters ?? [])]) wake();
    home.idleWaiters = home.quietWaiters = null;
    this.settleRuntime();
    await Promise.all(closing);
  }

  private async closeAgent(id: AgentId, agent: Agent): Promise<void> {
    try {
      await agent.close?.();
    } catch (error) {
      this.report({ error, agent: id, messageId: '', topicId: null });
    }
  }

  /** `from`: the instance asking, passed by its InstanceRuntime. */
  idle(key?: string, from?: Mailbox): Promise<void> {
    if (from?.handling && (key === undefined || from.id.key === key)) {
      return Promise.reject(new Error(`idle(${key === undefined ? '' : `"${key}"`}) inside a handler of key "${from.id.key}" would wait for that handler itself`));
    }
    if (key === undefined) {
      if (this.queued + this.running + this.inflight === 0) return DONE;
      return new Promise((wake) => this.idleWaiters.push(wake));
    }
    const home = this.keys.get(key);
    if (home === undefined || home.work === 0) return DONE;
    return new Promise((wake) => (home.idleWaiters ??= []).push(wake));
  }

  liveInstances(key?: string): number {
    if (key === undefined) return this.live;
    return this.keys.get(key)?.live ?? 0;
  }

  queueDepth(key?: string): number {
    if (key === undefined) return this.queued;
    return this.keys.get(key)?.queued ?? 0;
  }
}

function restored(message: unknown, i: number): unknown {
  try {
    return copyMessage(message);
  } catch (error) {
    throw new TypeError(`loadKey: pending[${i}].message: ${(error as Error).message}`);
  }
}

function checkSnapshot(snapshot: KeySnapshot): KeySnapshot {
  if (typeof snapshot !== 'object' || snapshot === null) throw new TypeError('loadKey: snapshot must be an object');
  if (typeof snapshot.key !== 'string') throw new TypeError('loadKey: snapshot.key must be a string');
  if (typeof snapshot.agents !== 'object' || snapshot.agents === null || Array.isArray(snapshot.agents)) {
    throw new TypeError('loadKey: snapshot.agents must be an object of "type/key": state');
  }
  if (!Array.isArray(snapshot.pending)) throw new TypeError('loadKey: snapshot.pending must be an array');
  snapshot.pending.forEach((p, i) => {
    if (typeof p?.topic !== 'string') throw new TypeError(`loadKey: pending[${i}].topic must be a "type/source" string`);
    if (typeof p.messageId !== 'string') throw new TypeError(`loadKey: pending[${i}].messageId must be a string`);
    if (p.sender !== null && typeof p.sender !== 'string') throw new TypeError(`loadKey: pending[${i}].sender must be a "type/key" string or null`);
    if (p.recipients !== undefined && !(Array.isArray(p.recipients) && p.recipients.every((r) => typeof r === 'string'))) {
      throw new TypeError(`loadKey: pending[${i}].recipients must be an array of "type/key" strings`);
    }
  });
  return snapshot;
}
