import { InstanceRuntime } from './instance-runtime.ts';
import type { AgentId } from './ids.ts';
import type { Envelope } from './envelope.ts';
import type { KeyState } from './key-state.ts';
import type { Agent } from './types.ts';

/**
 * One agent instance and its mailbox: the instance handles one envelope at a time, in arrival
 * order. The mailbox exists from the first message on; the agent once the factory has made it.
 * A mailbox usually holds zero or one envelope, so the oldest one sits in a field and only a
 * backlog allocates an array.
 */
export class Mailbox {
  agent: Agent | null = null;
  creating: Promise<Agent> | null = null;
  /** Scheduled or draining: a second drain must not start. */
  busy = false;
  closed = false;
  /** The envelope being handled, so closing the key can fail its caller at once. */
  current: Envelope | null = null;
  /** Next mailbox in the runtime's ready list. */
  nextReady: Mailbox | null = null;
  /** Continuations of asynchronous handlers, made once per instance that needs them. */
  resolved: ((value: unknown) => void) | null = null;
  rejected: ((error: unknown) => void) | null = null;
  private view: InstanceRuntime | null = null;
  private first: Envelope | null = null;
  private backlog: Envelope[] | null = null;
  private head = 0;

  constructor(
    readonly id: AgentId,
    readonly home: KeyState,
  ) {}

  /** Handling a message right now: waiting for its own key from here would wait for itself. */
  get handling(): boolean {
    return this.current !== null;
  }

  /** The runtime as this instance sees it; made on first use, since most handlers never ask. */
  runtime(): InstanceRuntime {
    return (this.view ??= new InstanceRuntime(this.home.owner, this));
  }

  get size(): number {
    return this.first === null ? 0 : 1 + (this.backlog === null ? 0 : this.backlog.length - this.head);
  }

  push(envelope: Envelope): void {
    if (this.first === null) this.first = envelope;
    else (this.backlog ??= []).push(envelope);
  }

  shift(): Envelope | undefined {
    const envelope = this.first;
    if (envelope === null) return undefined;
    const backlog = this.backlog;
    if (backlog === null) {
      this.first = null;
    } else {
      this.first = backlog[this.head];
      if (++this.head === backlog.length) {
        this.backlog = null;
        this.head = 0;
      }
    }
    return envelope;
  }

  /** Takes the first queued send out of turn: a paused key still answers the sends its running handlers wait for. */
  takeCall(): Envelope | undefined {
    const all = this.pending();
    const i = all.findIndex((e) => e.call !== null);
    if (i < 0) return undefined;
    const [envelope] = all.splice(i, 1);
    this.refill(all);
    return envelope;
  }

  /** The envelopes still queued, oldest first. */
  pending(): Envelope[] {
    if (this.first === null) return [];
    return this.backlog === null ? [this.first] : [this.first, ...this.backlog.slice(this.head)];
  }

  /** Empties the mailbox and returns what it held. */
  clear(): Envelope[] {
    const left = this.pending();
    this.refill([]);
    return left;
  }

  private refill(envelopes: Envelope[]): void {
    this.first = envelopes[0] ?? null;
    this.backlog = envelopes.length > 1 ? envelopes.slice(1) : null;
    this.head = 0;
  }
}
