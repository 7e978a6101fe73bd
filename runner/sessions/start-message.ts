import { randomUUID } from 'node:crypto';
import { StartContext, type MessageEvent, type SessionInfo } from '../../schemas/protocol.ts';
import type { ChatMessage } from '../agents/message.ts';
import { invalid } from '../errors.ts';
import type { InboxItem } from '../store/types.ts';
import type { GraphVersion } from './graph-versions.ts';

/** Who a start message comes from, in the transcript and for the agents. */
export const START_SENDER = 'session';

/** What agents read in a start message's content (JSON text). */
export interface StartMessageContent {
  event: 'session_start';
  sessionId: string;
  /** The session's user, or the runner's default user (whose memory the session uses). */
  user: string;
  tenant: string;
  /** When the session was created, ISO 8601. */
  time: string;
  context?: StartContext;
}

/**
 * The design's UserLogin: the first turn of a session whose graph names a `start` topic. It is
 * queued like a user message, so it is stored with the session, streamed like any turn and
 * resumed after a crash. Undefined for a graph without a start topic.
 */
export function startItem(
  info: SessionInfo,
  version: GraphVersion,
  user: string,
  context: unknown,
): InboxItem | undefined {
  const checked = checkContext(context);
  if (version.graph.start === undefined) return undefined;
  const content: StartMessageContent = {
    event: 'session_start',
    sessionId: info.id,
    user,
    tenant: info.tenant,
    time: new Date(info.createdAt).toISOString(),
    ...(checked === undefined ? {} : { context: checked }),
  };
  return { messageId: randomUUID(), turnId: randomUUID(), content: JSON.stringify(content), start: true };
}

/** The start message as the transcript keeps it and clients see it. */
export function startEvent(sessionId: string, item: InboxItem, version: GraphVersion, time: number): MessageEvent {
  const type = startTopicType(version);
  return {
    sessionId,
    id: item.messageId,
    turnId: item.turnId,
    topic: { type: version.loaded.graphTopicType(type) ?? type, source: sessionId },
    sender: START_SENDER,
    recipients: version.recipients(type),
    role: 'system',
    content: item.content,
    output: version.outputs.has(type),
    time,
  };
}

/** Where a turn's first message goes and what it looks like to the agents. */
export function turnInput(item: InboxItem, version: GraphVersion): { topicType: string; message: ChatMessage } {
  const start = item.start === true;
  return {
    topicType: start ? startTopicType(version) : version.loaded.entryTopicType,
    message: {
      id: item.messageId,
      turnId: item.turnId,
      role: start ? 'system' : 'user',
      content: item.content,
      sender: start ? START_SENDER : 'user',
    },
  };
}

const startTopicType = (version: GraphVersion) => version.loaded.topicTypeOf(version.graph.start!);

/** Checked here too: the session API is also called without a transport's schema in front. */
function checkContext(context: unknown): StartContext | undefined {
  if (context === undefined) return undefined;
  const parsed = StartContext.safeParse(context);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const at = ['context', ...issue.path.map(String)].join('.');
  throw invalid(`${at}: ${issue.message}`, {
    field: 'context',
    problems: parsed.error.issues.map((i) => ({
      path: ['context', ...i.path.map(String)].join('.'),
      message: i.message,
    })),
  });
}
