import type { z } from 'zod';
import type { UserAgent as UserNode } from '../../schemas/kinds/index.ts';
import { GraphAgent, type Turn } from './base.ts';
import type { ChatMessage } from './message.ts';

type UserDef = z.output<typeof UserNode>;

/**
 * Human in the loop: pauses its part of the turn to ask the session's client, then publishes the
 * answer. No answer in time ends the turn cleanly with `input_timeout`.
 */
export class UserAgent extends GraphAgent<UserDef> {
  protected async handle(message: ChatMessage, { session, turnId }: Turn): Promise<void> {
    const { prompt, timeoutMs } = this.def.config;
    // The person needs to see what they are asked about, which may not be on an output topic.
    const question = message.content ? `${prompt}\n\n${message.content}` : prompt;
    let answer: string;
    try {
      answer = await session.requestInput(turnId, this.def.type, question, timeoutMs);
    } catch (e) {
      if (!session.signal.aborted)
        session.endTurn(
          turnId,
          'input_timeout',
          `${this.def.type}: no answer within ${timeoutMs} ms${e instanceof Error && e.message ? ` (${e.message})` : ''}`,
        );
      return;
    }
    await this.publish(turnId, answer, 'user');
  }
}
