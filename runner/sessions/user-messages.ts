import { randomUUID } from 'node:crypto';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import { AppError } from '../errors.ts';
import type { InboxItem, StoredGraph } from '../store/types.ts';
import { rememberCaller } from '../telemetry/turn-trace.ts';
import type { GraphVersion } from './graph-versions.ts';
import type { LiveSession } from './live-session.ts';
import type { Residency } from './residency.ts';
import type { SessionWriter } from './session-writer.ts';
import type { TurnRunner } from './turn-runner.ts';
import type { Caller } from './types.ts';
import { zeroUsage } from './usage.ts';

export interface UserMessagesDeps {
  writer: Pick<SessionWriter, 'persist' | 'olderEntries'>;
  residency: Pick<Residency, 'forgetTimers'>;
  turns: Pick<TurnRunner, 'pump'>;
  versionOf(s: LiveSession): Promise<GraphVersion>;
}

/**
 * A user message accepted into a session: queued in its inbox and transcript and stored with it
 * (the acknowledgement point), then streamed and its turn started when none runs. A resend of a
 * message accepted already is acknowledged again, and nothing else happens.
 */
export class UserMessages {
  constructor(private readonly deps: UserMessagesDeps) {}

  /**
   * `messageId`: the client's own id, for resends; `inCallerTrace` runs code in the caller's trace
   * context, kept from before the session was loaded.
   */
  async accept(
    s: LiveSession,
    content: string,
    messageId: string | undefined,
    inCallerTrace: <T>(fn: () => T) => T,
  ): Promise<{ messageId: string; turnId: string }> {
    if (s.closed) throw new AppError('session_closed', 409, `session "${s.id}" is closed`);
    if (messageId !== undefined && s.hasAccepted(messageId))
      return { messageId, turnId: await this.turnOfMessage(s, messageId) };
    const item = { messageId: messageId ?? randomUUID(), turnId: randomUUID(), content };
    inCallerTrace(() => rememberCaller(item));
    const event = userMessageEvent(s.id, await this.deps.versionOf(s), item);
    await this.queue(s, item, event, messageId !== undefined);
    s.emit('message', event);
    this.deps.turns.pump(s);
    return { messageId: item.messageId, turnId: item.turnId };
  }

  /** The turn a message accepted earlier belongs to, for its resend's acknowledgement. */
  private async turnOfMessage(s: LiveSession, messageId: string): Promise<string> {
    const isIt = (m: MessageEvent) => m.id === messageId && m.sender === 'user';
    const turnId = s.inbox.find((i) => i.messageId === messageId)?.turnId ?? s.transcript.find(isIt)?.turnId;
    if (turnId !== undefined || s.transcriptOffset === 0) return turnId ?? '';
    return (await this.deps.writer.olderEntries(s)).find(isIt)?.turnId ?? '';
  }

  /**
   * Into the inbox and the transcript, and stored. When the write fails the message is taken out
   * again: not acknowledged, so not accepted. `byClient`: the client chose the id.
   */
  private async queue(s: LiveSession, item: InboxItem, event: MessageEvent, byClient: boolean): Promise<void> {
    s.inbox.push(item);
    // Only a client's own ids can come back in a resend.
    if (byClient) s.accept(item.messageId);
    s.transcript.push(event);
    s.info.lastActiveAt = event.time;
    // Stored as running together with the message, so a runner restarting after a crash finds
    // the turn it owes (resumeInterrupted) without reading every session.
    const started = !s.turn && s.setState('running');
    this.deps.residency.forgetTimers(s.id);
    try {
      await this.deps.writer.persist(s);
    } catch (error) {
      if (started && !s.turn) s.setState('idle');
      // A retry with the same id must go through.
      s.inbox.splice(s.inbox.indexOf(item), 1);
      if (byClient) s.forget(item.messageId);
      // A new array: another write of this session may still read the old one (see LiveSession.record).
      s.transcript = s.transcript.filter((m) => m !== event);
      throw error;
    }
  }
}

/** A new session's summary: idle, no turns, no usage. */
export function newSessionInfo(caller: Caller, stored: Pick<StoredGraph, 'id' | 'version'>): SessionInfo {
  const now = Date.now();
  return {
    id: randomUUID(),
    tenant: caller.tenant,
    ...(caller.user === undefined ? {} : { user: caller.user }),
    graphId: stored.id,
    graphVersion: stored.version,
    state: 'idle',
    createdAt: now,
    lastActiveAt: now,
    turns: 0,
    usage: zeroUsage(),
    agentUsage: {},
  };
}

/** A user message as the transcript and the clients see it: published to the graph's entry topic. */
function userMessageEvent(sessionId: string, version: GraphVersion, item: InboxItem): MessageEvent {
  const entry = version.loaded.entryTopicType;
  return {
    sessionId,
    id: item.messageId,
    turnId: item.turnId,
    topic: { type: version.loaded.graphTopicType(entry) ?? entry, source: sessionId },
    sender: 'user',
    recipients: version.recipients(entry),
    role: 'user',
    content: item.content,
    output: version.outputs.has(entry),
    time: Date.now(),
  };
}
