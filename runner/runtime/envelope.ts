import type { AgentId, TopicId } from './ids.ts';
import type { Mailbox } from './mailbox.ts';
import type { AgentRuntime, MessageContext } from './types.ts';

/** The signal of messages sent without one: never aborts, so nobody needs to ask it. */
export const NEVER: AbortSignal = new AbortController().signal;

/** The caller's side of a send: settled once, by the response, an error, an abort or a close. */
export class PendingCall {
  settled = false;
  private readonly onAbort: (() => void) | null = null;

  constructor(
    private readonly resolveFn: (value: unknown) => void,
    private readonly rejectFn: (error: unknown) => void,
    private readonly signal: AbortSignal | null,
  ) {
    if (signal !== null) {
      this.onAbort = () => this.reject(signal.reason);
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  resolve(value: unknown): void {
    if (this.settle()) this.resolveFn(value);
  }

  reject(error: unknown): void {
    if (this.settle()) this.rejectFn(error);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.onAbort !== null) this.signal!.removeEventListener('abort', this.onAbort);
    return true;
  }
}

/**
 * One message on its way: a publish shares a single envelope (and the runtime's copy of the
 * message) between all its recipients' mailboxes; a send has exactly one and carries the caller's PendingCall.
 */
export class Envelope {
  constructor(
    readonly message: unknown,
    /** Sender agent, or null when the message came from outside the runtime. */
    readonly sender: AgentId | null,
    /** Set for a publish, null for a send. */
    readonly topicId: TopicId | null,
    readonly messageId: string,
    readonly signal: AbortSignal,
    readonly call: PendingCall | null,
    /** Runtime-wide arrival number: orders a key's undelivered messages in a snapshot. */
    readonly seq: number,
  ) {}

  /** Mailboxes still holding this envelope: the last one to take it needs no copy of the message. */
  holders = 0;

  /** Nothing to deliver any more: the caller gave up (abort) or was already answered. */
  get cancelled(): boolean {
    if (this.call !== null) return this.call.settled;
    const signal = this.signal;
    return signal !== NEVER && signal.aborted;
  }
}

/** What one recipient's handler gets: the envelope's context, and the runtime as that instance sees it. */
export class Delivery implements MessageContext {
  readonly sender: AgentId | null;
  readonly topicId: TopicId | null;
  readonly isRpc: boolean;
  readonly messageId: string;
  readonly signal: AbortSignal;
  readonly #instance: Mailbox;

  constructor(envelope: Envelope, instance: Mailbox) {
    this.sender = envelope.sender;
    this.topicId = envelope.topicId;
    this.isRpc = envelope.call !== null;
    this.messageId = envelope.messageId;
    this.signal = envelope.signal;
    this.#instance = instance;
  }

  get runtime(): AgentRuntime {
    return this.#instance.runtime();
  }
}
