import { randomUUID } from 'node:crypto';
import type { AgentId, TopicId } from './ids.ts';
import type { Mailbox } from './mailbox.ts';
import type { AgentRuntime, MessageContext } from './types.ts';

/** The signal of messages sent without one: never aborts, so nobody needs to ask it. */
export const NEVER: AbortSignal = new AbortController().signal;

/** Generated message ids: unique across runtimes and restarts without a random draw per message. */
const ID_PREFIX = `${randomUUID()}-`;
let generated = 0;

export function newMessageId(): string {
  return ID_PREFIX + generated++;
}

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
    /** Made on first read when the publisher gave none: most messages are never asked for theirs. */
    private id: string | undefined,
    readonly signal: AbortSignal,
    readonly call: PendingCall | null,
    /** Runtime-wide arrival number: orders a key's undelivered messages in a snapshot. */
    readonly seq: number,
  ) {}

  get messageId(): string {
    return (this.id ??= newMessageId());
  }

  /** Mailboxes still holding this envelope: the last one to take it needs no copy of the message. */
  holders = 0;

  /** Nothing to deliver any more: the caller gave up (abort) or was already answered. */
  get cancelled(): boolean {
    if (this.call !== null) return this.call.settled;
    const signal = this.signal;
    return signal !== NEVER && signal.aborted;
  }
}

/**
 * What one recipient's handler gets: the envelope's context, and the runtime as that instance
 * sees it. Read through, so a delivery costs two fields and the message id is made only if read.
 */
export class Delivery implements MessageContext {
  readonly #envelope: Envelope;
  readonly #instance: Mailbox;

  constructor(envelope: Envelope, instance: Mailbox) {
    this.#envelope = envelope;
    this.#instance = instance;
  }

  get sender(): AgentId | null {
    return this.#envelope.sender;
  }

  get topicId(): TopicId | null {
    return this.#envelope.topicId;
  }

  get isRpc(): boolean {
    return this.#envelope.call !== null;
  }

  get messageId(): string {
    return this.#envelope.messageId;
  }

  get signal(): AbortSignal {
    return this.#envelope.signal;
  }

  get runtime(): AgentRuntime {
    return this.#instance.runtime();
  }
}
