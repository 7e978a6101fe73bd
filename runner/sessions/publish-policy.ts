import type { MessageEvent, Role, TurnEndReason } from '../../schemas/protocol.ts';
import type { ChatMessage } from '../agents/message.ts';
import { AppError } from '../errors.ts';
import type { AgentId, TopicId } from '../runtime/ids.ts';
import { DROP, type HandlerError, type InterventionHandler } from '../runtime/types.ts';
import type { LiveSession, Turn } from './live-session.ts';
import { describe } from './session-writer.ts';

export interface PublishPolicyDeps {
  live: ReadonlyMap<string, LiveSession>;
  endTurn(s: LiveSession, turn: Turn, reason: TurnEndReason, detail?: string): void;
}

/**
 * One handler for the whole runtime: agents publish only into their own session, never into a
 * closed one; every publish of a turn is counted against its budget, traced into the
 * transcript and streamed as a `message` event; a paused turn holds its messages.
 */
export function publishPolicy({ live, endTurn }: PublishPolicyDeps): InterventionHandler {
  const admit = (
    s: LiveSession,
    turn: Turn,
    message: unknown,
    sender: AgentId,
    topicId: TopicId,
    messageId: string,
  ): unknown => {
    const version = s.version!;
    // Agents answering each other without yielding starve timers: the wall clock is also read here.
    if (Date.now() > turn.deadline) {
      endTurn(s, turn, 'timeout', `the turn ran longer than ${version.limits.maxTurnMs} ms`);
      return DROP;
    }
    turn.messages += 1;
    if (turn.messages > version.limits.maxMessagesPerTurn) {
      endTurn(s, turn, 'max_messages', `the turn reached its limit of ${version.limits.maxMessagesPerTurn} messages`);
      return DROP;
    }
    const chat = message as Partial<ChatMessage> | null;
    const agent = version.loaded.agentTypeOf(sender.type) ?? sender.type;
    const call = s.calls.of(turn.id, agent);
    const event: MessageEvent = {
      sessionId: s.id,
      id: typeof chat?.id === 'string' ? chat.id : messageId,
      turnId: turn.id,
      topic: { type: version.loaded.graphTopicType(topicId.type) ?? topicId.type, source: s.id },
      sender: agent,
      recipients: version.recipients(topicId.type, agent),
      role: isRole(chat?.role) ? chat.role : 'assistant',
      content: typeof chat?.content === 'string' ? chat.content : JSON.stringify(message),
      output: version.outputs.has(topicId.type),
      time: Date.now(),
      ...(call ? { call } : {}),
    };
    s.transcript.push(event);
    s.info.lastActiveAt = event.time;
    s.emit('message', event);
    return undefined;
  };

  return {
    onPublish: (message, ctx) => {
      const { sender, topicId } = ctx;
      if (sender && sender.key !== topicId.source) {
        throw new AppError(
          'isolation',
          403,
          `agent "${sender.type}" of session "${sender.key}" may not publish into session "${topicId.source}"`,
        );
      }
      const s = live.get(topicId.source);
      if (!s || s.closed) throw new AppError('session_closed', 409, `session "${topicId.source}" is not open`);
      if (sender === null) return undefined;
      const turn = s.turn;
      const turnId = (message as Partial<ChatMessage> | null)?.turnId;
      if (!turn || turn.ended || (turnId !== undefined && turnId !== turn.id)) return DROP;
      if (turn.paused)
        return new Promise((resolve) =>
          turn.hold(() => resolve(turn.ended ? DROP : admit(s, turn, message, sender, topicId, ctx.messageId))),
        );
      return admit(s, turn, message, sender, topicId, ctx.messageId);
    },
    onSend: (_message, ctx) => {
      if (ctx.sender && ctx.sender.key !== ctx.recipient.key) {
        throw new AppError(
          'isolation',
          403,
          `agent "${ctx.sender.type}" of session "${ctx.sender.key}" may not send to session "${ctx.recipient.key}"`,
        );
      }
      const s = live.get(ctx.recipient.key);
      if (!s || s.closed) throw new AppError('session_closed', 409, `session "${ctx.recipient.key}" is not open`);
      return undefined;
    },
  };
}

/** A handler's failure, as an `agent` error event of the session's running turn. */
export function handlerErrorEvents(live: ReadonlyMap<string, LiveSession>): (e: HandlerError) => void {
  return (e) => {
    const s = live.get(e.agent.key);
    if (!s?.turn) return;
    const agent = s.version?.loaded.agentTypeOf(e.agent.type) ?? e.agent.type;
    s.emit('agent', {
      sessionId: s.id,
      turnId: s.turn.id,
      agent,
      phase: 'error',
      error: describe(e.error),
      time: Date.now(),
    });
  };
}

function isRole(value: unknown): value is Role {
  return value === 'user' || value === 'assistant' || value === 'tool' || value === 'system';
}
