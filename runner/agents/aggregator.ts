import type { z } from 'zod';
import type { AggregatorAgent as AggregatorNode } from '../../schemas/kinds/index.ts';
import { GraphAgent, type Turn } from './base.ts';
import type { ChatMessage } from './message.ts';

type AggregatorDef = z.output<typeof AggregatorNode>;

interface AggregatorState {
  turnId: string;
  parts: Array<{ sender: string; content: string }>;
  /** Epoch ms when the parts are published whatever their number (0: nothing collected). */
  deadline: number;
}

const empty = (): AggregatorState => ({ turnId: '', parts: [], deadline: 0 });

/**
 * Collects `count` messages of the current turn (or what arrived before `timeoutMs`) and
 * publishes them as one message. While it waits it holds the turn open, so the session does not
 * call the turn complete just because nothing else is running.
 */
export class AggregatorAgent extends GraphAgent<AggregatorDef> {
  private state: AggregatorState = empty();
  private timer: NodeJS.Timeout | undefined;
  private release: (() => void) | undefined;

  protected async handle(message: ChatMessage, { session, turnId }: Turn): Promise<void> {
    if (this.state.turnId !== turnId) this.reset();
    if (this.state.parts.length === 0) {
      this.state = { turnId, parts: [], deadline: Date.now() + this.def.config.timeoutMs };
      this.release = session.holdTurn?.();
      this.arm();
    }
    this.state.parts.push({ sender: message.sender, content: message.content });
    if (this.state.parts.length >= this.def.config.count) await this.flush();
  }

  private arm(): void {
    clearTimeout(this.timer);
    // unref: a pending aggregation must never keep the process alive on its own.
    this.timer = setTimeout(
      () => void this.flush().catch((e) => this.onTimerError(e)),
      Math.max(0, this.state.deadline - Date.now()),
    ).unref();
  }

  private async flush(): Promise<void> {
    const { turnId, parts } = this.state;
    // The hold is released only once the combined message is queued, so the turn cannot end in between.
    const release = this.release;
    this.release = undefined;
    this.reset();
    try {
      if (parts.length === 0) return;
      const combined = parts.map((p) => `${p.sender}: ${p.content}`).join(this.def.config.separator);
      await this.publish(turnId, combined, 'assistant');
    } finally {
      release?.();
    }
  }

  private onTimerError(e: unknown): void {
    const session = this.setup.env.session(this.id.key);
    session.emit('warning', {
      code: 'aggregator_error',
      message: `aggregator "${this.def.type}": ${e instanceof Error ? e.message : String(e)}`,
    });
  }

  private reset(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.release?.();
    this.release = undefined;
    this.state = empty();
  }

  close(): void {
    this.reset();
  }

  saveState(): AggregatorState {
    return { turnId: this.state.turnId, parts: this.state.parts.slice(), deadline: this.state.deadline };
  }

  /** A restored aggregation resumes its countdown where it stopped (at once if overdue). */
  loadState(state: unknown): void {
    this.reset();
    const s = state as Partial<AggregatorState> | null;
    const parts = Array.isArray(s?.parts)
      ? s.parts
          .filter((p) => typeof p?.content === 'string')
          .map((p) => ({ sender: String(p.sender), content: p.content }))
      : [];
    if (parts.length === 0) return;
    this.state = { turnId: String(s?.turnId ?? ''), parts, deadline: Number(s?.deadline) || Date.now() };
    this.arm();
  }
}
