import type { z } from 'zod';
import type { TerminatorAgent as TerminatorNode } from '../../schemas/kinds/index.ts';
import { estimateTokens } from '../models/estimate.ts';
import { GraphAgent, type Turn } from './base.ts';
import type { ChatMessage } from './message.ts';

type TerminatorDef = z.output<typeof TerminatorNode>;

interface TerminatorState {
  turnId: string;
  /** Messages received in this turn. */
  count: number;
  /** Tokens of the messages received in this turn (estimated), used when the session reports none. */
  tokens: number;
}

/**
 * Ends the turn when it has seen `maxMessages` messages in the turn, a message mentioning
 * `mention`, or `maxTokens` tokens used in the turn. Publishes nothing.
 */
export class TerminatorAgent extends GraphAgent<TerminatorDef> {
  private state: TerminatorState = { turnId: '', count: 0, tokens: 0 };

  protected handle(message: ChatMessage, { session, turnId }: Turn): void {
    if (this.state.turnId !== turnId) this.state = { turnId, count: 0, tokens: 0 };
    const s = this.state;
    s.count++;
    s.tokens += estimateTokens(message.content.length);
    const { maxMessages, mention, maxTokens } = this.def.config;
    const name = this.def.type;
    if (mention && message.content.includes(mention))
      return session.endTurn(turnId, 'terminated', `${name}: "${mention}" mentioned by ${message.sender}`);
    if (maxMessages !== undefined && s.count >= maxMessages)
      return session.endTurn(turnId, 'max_messages', `${name}: ${s.count} messages in the turn`);
    const used = session.turnTokens?.() ?? s.tokens;
    if (maxTokens !== undefined && used >= maxTokens)
      return session.endTurn(turnId, 'token_budget', `${name}: ${used} tokens used in the turn (limit ${maxTokens})`);
  }

  saveState(): TerminatorState {
    return { ...this.state };
  }

  loadState(state: unknown): void {
    const s = state as Partial<TerminatorState> | null;
    this.state = { turnId: String(s?.turnId ?? ''), count: Number(s?.count) || 0, tokens: Number(s?.tokens) || 0 };
  }
}
