import type { AgentId } from './ids.ts';
import type { HandlerScope } from './context.ts';
import type { Envelope } from './envelope.ts';
import type { KeyState } from './key-state.ts';
import type { Agent } from './types.ts';

/**
 * One agent instance and its mailbox: the instance handles one envelope at a time, in arrival
 * order. The slot exists from the first message on; the agent once the factory has made it.
 */
export class Mailbox implements HandlerScope {
  agent: Agent | null = null;
  creating: Promise<Agent> | null = null;
  /** Scheduled or draining: a second drain must not start. */
  busy = false;
  closed = false;
  /** The envelope being handled, so closing the key can fail its caller at once. */
  current: Envelope | null = null;
  private queue: Envelope[] = [];
  private head = 0;

  constructor(
    readonly id: AgentId,
    readonly home: KeyState,
  ) {}

  get owner(): object {
    return this.home.owner;
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  push(envelope: Envelope): void {
    this.queue.push(envelope);
  }

  shift(): Envelope | undefined {
    if (this.head === this.queue.length) return undefined;
    const envelope = this.queue[this.head];
    if (++this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else {
      (this.queue as Array<Envelope | undefined>)[this.head - 1] = undefined;
    }
    return envelope;
  }

  /** Takes the first queued send out of turn: a paused key still answers the sends its running handlers wait for. */
  takeCall(): Envelope | undefined {
    for (let i = this.head; i < this.queue.length; i++) {
      if (this.queue[i].call !== null) {
        const [envelope] = this.queue.splice(i, 1);
        if (this.head === this.queue.length) this.clear();
        return envelope;
      }
    }
    return undefined;
  }

  /** The envelopes still queued, oldest first. */
  pending(): Envelope[] {
    return this.queue.slice(this.head);
  }

  /** Empties the mailbox and returns what it held. */
  clear(): Envelope[] {
    const left = this.pending();
    this.queue = [];
    this.head = 0;
    return left;
  }
}
