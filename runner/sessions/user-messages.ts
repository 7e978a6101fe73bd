import { randomUUID } from 'node:crypto';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import type { InboxItem, StoredGraph } from '../store/types.ts';
import type { GraphVersion } from './graph-versions.ts';
import type { LiveSession } from './live-session.ts';
import type { Caller } from './types.ts';
import { zeroUsage } from './usage.ts';

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
export function userMessageEvent(sessionId: string, version: GraphVersion, item: InboxItem): MessageEvent {
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

export function turnOfMessage(s: LiveSession, messageId: string): string {
  return (
    s.inbox.find((i) => i.messageId === messageId)?.turnId ??
    s.transcript.find((m) => m.id === messageId && m.sender === 'user')?.turnId ??
    ''
  );
}
