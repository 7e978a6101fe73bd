import { Delivery, Envelope, PendingCall } from './envelope.ts';
import { KeyClosedError, MessageDroppedError } from './errors.ts';
import { copyMessage } from './copy.ts';
import { HandlerErrors } from './handler-errors.ts';
import { AgentId } from './ids.ts';
import { intervene, isThenable } from './interventions.ts';
import { KeyState } from './key-state.ts';
import { Mailbox } from './mailbox.ts';
import type { SingleThreadedAgentRuntime } from './single-threaded-runtime.ts';
import { DROP } from './types.ts';
import type { Agent, AgentFactory, InterventionHandler } from './types.ts';

/** Returned by every publish that was queued synchronously: no promise per message. */
export const DONE: Promise<void> = Promise.resolve();

/**
 * The runtime's mailboxes: each instance handles one message at a time, in arrival order; an
 * instance is made on its first message; a send's caller gets the handler's answer. And the
 * counters that say when a key, or the runtime, is idle. RoutingRuntime brings messages to the
 * mailboxes; SingleThreadedAgentRuntime builds the AgentRuntime on both.
 */
export abstract class MailboxRuntime {
  protected readonly factories = new Map<string, AgentFactory>();
  protected readonly keys = new Map<string, KeyState>();
  protected readonly handlerErrors = new HandlerErrors();
  /** The interventions that see responses (see respond). */
  protected responseHooks: InterventionHandler[] = [];

  /** Mailboxes with something to do, started together by one microtask. */
  private readyHead: Mailbox | null = null;
  private readyTail: Mailbox | null = null;
  private flushScheduled = false;

  protected seq = 0;
  protected live = 0;
  protected queued = 0;
  protected running = 0;
  protected inflight = 0;
  protected pausedAll = 0;
  protected frozenAll = 0;
  protected idleWaiters: Array<() => void> = [];
  protected quietWaiters: Array<() => void> = [];

  /** This object as the AgentRuntime its factories and instances are given. */
  protected abstract readonly runtime: SingleThreadedAgentRuntime;

  protected enqueue(home: KeyState, type: string, envelope: Envelope): void {
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

  protected schedule(box: Mailbox): void {
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
    try {
      const made = this.instantiate(box);
      if (made instanceof Promise)
        made.then(
          (agent) => this.proceed(box, agent, envelope, message),
          (error: unknown) => this.failure(box, error),
        );
      else this.proceed(box, made, envelope, message);
    } catch (error) {
      this.failure(box, error);
    }
  }

  private proceed(box: Mailbox, agent: Agent, envelope: Envelope, message: unknown): void {
    if (box.closed) return;
    if (this.handle(box, agent, envelope, message)) this.drain(box);
  }

  private failure(box: Mailbox, error: unknown): void {
    this.failed(box, error);
    this.drain(box);
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
    else this.handlerErrors.report({ error, agent: box.id, messageId: envelope.messageId, topicId: envelope.topicId });
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

  protected instantiate(box: Mailbox): Agent | Promise<Agent> {
    if (box.creating !== null) return box.creating;
    const made = this.factories.get(box.id.type)!(box.id, this.runtime);
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
    if (typeof agent?.onMessage !== 'function')
      throw new TypeError(`factory for agent type "${box.id.type}" returned no agent with an onMessage method`);
    if (box.closed) {
      void Promise.resolve()
        .then(() => agent.close?.())
        .catch((error) => this.handlerErrors.report({ error, agent: box.id, messageId: '', topicId: null }));
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
      const settle = (m: unknown): void =>
        m === DROP ? call.reject(new MessageDroppedError(messageId, 'response')) : call.resolve(m);
      if (answer instanceof Promise) answer.then(settle, (e) => call.reject(e));
      else settle(answer);
    } catch (error) {
      call.reject(error);
    }
  }

  /** Wakes whoever waits for this key (or the runtime) to be idle or quiet; forgets an empty key. */
  protected settle(home: KeyState): void {
    if (home.work === 0) {
      if (home.idleWaiters !== null) {
        const waiters = home.idleWaiters;
        home.idleWaiters = null;
        for (const wake of waiters) wake();
      }
      if (home.instances.size === 0 && home.paused === 0 && this.keys.get(home.key) === home)
        this.keys.delete(home.key);
    }
    if (home.paused > 0 && home.running === 0 && home.quietWaiters !== null) {
      const waiters = home.quietWaiters;
      home.quietWaiters = null;
      for (const wake of waiters) wake();
    }
    this.settleRuntime();
  }

  protected settleRuntime(): void {
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

  protected keyState(key: string): KeyState {
    let home = this.keys.get(key);
    if (home === undefined) {
      home = new KeyState(key, this.runtime);
      this.keys.set(key, home);
    }
    return home;
  }
}
