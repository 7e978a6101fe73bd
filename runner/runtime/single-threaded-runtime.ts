import { Envelope, NEVER } from './envelope.ts';
import { KeyClosedError, RecipientNotFoundError } from './errors.ts';
import { AgentId } from './ids.ts';
import type { KeyState } from './key-state.ts';
import { parseSnapshot, pendingOf } from './key-snapshot.ts';
import { Mailbox } from './mailbox.ts';
import { DONE } from './mailbox-runtime.ts';
import { RoutingRuntime } from './routing-runtime.ts';
import type {
  Agent,
  AgentFactory,
  AgentRuntime,
  HandlerError,
  InterventionHandler,
  KeySnapshot,
  Subscription,
} from './types.ts';

export interface RuntimeOptions {
  interventions?: InterventionHandler[];
}

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
 *
 * Built in layers: MailboxRuntime runs the mailboxes, RoutingRuntime brings messages to them, and
 * this class adds registration, state (snapshots) and lifecycle.
 */
export class SingleThreadedAgentRuntime extends RoutingRuntime implements AgentRuntime {
  protected readonly runtime = this;

  constructor(options: RuntimeOptions = {}) {
    super();
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
    return this.handlerErrors.listen(listener);
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
    if (typeof state !== 'object' || state === null || Array.isArray(state))
      throw new TypeError('runtime state must be an object of "type/key": state');
    const entries = Object.entries(state).map(([name, s]) => [AgentId.parse(name), s] as const);
    await this.whileQuiet(from, undefined, 'loadState', async () => {
      for (const [id, s] of entries)
        if (this.factories.has(id.type)) await this.loadAgent(this.keyState(id.key), id.type, s);
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
      snapshot.pending = pendingOf(home);
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
    const { key, states, messages } = parseSnapshot(snapshot);
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
  private async whileQuiet<T>(
    from: Mailbox | undefined,
    key: string | undefined,
    operation: string,
    body: () => Promise<T>,
  ): Promise<T> {
    if (from?.handling && (key === undefined || from.id.key === key)) {
      throw new Error(
        `${operation} cannot run inside a handler of ${key === undefined ? 'this runtime' : `key "${key}"`}: it waits for that handler to finish`,
      );
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
    // Made only for a caller to reject: an error's stack costs more than closing a quiet key.
    let closed: KeyClosedError | undefined;
    const closing: Array<Promise<void>> = [];
    for (const box of home.instances.values()) {
      box.closed = true;
      for (const { call } of box.clear()) call?.reject((closed ??= new KeyClosedError(key)));
      box.current?.call?.reject((closed ??= new KeyClosedError(key)));
      box.current = null;
      if (box.agent?.close) closing.push(this.closeAgent(box.id, box.agent));
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
      await agent.close!();
    } catch (error) {
      this.handlerErrors.report({ error, agent: id, messageId: '', topicId: null });
    }
  }

  /** `from`: the instance asking, passed by its InstanceRuntime. */
  idle(key?: string, from?: Mailbox): Promise<void> {
    if (from?.handling && (key === undefined || from.id.key === key)) {
      return Promise.reject(
        new Error(
          `idle(${key === undefined ? '' : `"${key}"`}) inside a handler of key "${from.id.key}" would wait for that handler itself`,
        ),
      );
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
