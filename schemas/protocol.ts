import { z } from 'zod';
import { Id } from './ids.ts';

/**
 * The wire protocol between the runner and its clients (designer, CLI, any Socket.IO client).
 * One event stream for everyone: the canvas, the CLI and tests consume the same events.
 */

/** Session ids are crypto UUIDs; anything else is refused before it reaches a store. */
export const SessionId = z.uuid({ message: 'must be a session id (UUID)' });
export const MAX_MESSAGE_CHARS = 32_000;

export const ApiError = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiError = z.infer<typeof ApiError>;

// ---- client → server (every event is acknowledged with an Ack) ----

/**
 * Which of a session's events a socket receives: `all` (the designer's live view: agent activity,
 * usage, state changes, messages between agents) or `chat` (what a chat client shows: the user's
 * and the output messages, tokens, input requests, turn ends, warnings).
 */
export const EventScope = z.enum(['all', 'chat']);
export type EventScope = z.infer<typeof EventScope>;
/** Largest `context` a client may hand a new session's start message, as JSON text. */
export const MAX_START_CONTEXT_CHARS = 4000;

/**
 * What a client tells the graph's start topic about a new session (page, locale, plan...): a
 * flat object of short keys and JSON values, at most MAX_START_CONTEXT_CHARS as JSON.
 */
export const StartContext = z
  .record(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[\w.-]+$/, 'keys may only contain letters, digits, "_", "." and "-"'),
    z.json(),
  )
  .refine((value) => Object.keys(value).length <= 50, { message: 'must have at most 50 keys' })
  .refine((value) => JSON.stringify(value).length <= MAX_START_CONTEXT_CHARS, {
    message: `must be at most ${MAX_START_CONTEXT_CHARS} characters as JSON`,
  });
export type StartContext = z.infer<typeof StartContext>;

export const CreateSession = z
  .object({
    graphId: Id,
    version: z.number().int().min(1).optional(),
    user: z.string().max(200).optional(),
    context: StartContext.optional(),
    events: EventScope.optional(),
  })
  .strict();
export const JoinSession = z
  .object({ sessionId: SessionId, afterMessageId: z.string().max(100).optional(), events: EventScope.optional() })
  .strict();
export const LeaveSession = z.object({ sessionId: SessionId }).strict();
export const SendMessage = z
  .object({
    sessionId: SessionId,
    content: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`),
    /** Client-chosen id: resending the same id never duplicates the message. */
    messageId: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w-]+$/)
      .optional(),
    /** W3C trace context of the caller (else the handshake's headers): the turn's trace continues it. */
    traceparent: z.string().max(100).optional(),
    tracestate: z.string().max(512).optional(),
  })
  .strict();
export const InputReply = z
  .object({ sessionId: SessionId, requestId: z.string().min(1).max(100), content: z.string().max(MAX_MESSAGE_CHARS) })
  .strict();
export const TurnControl = z.object({ sessionId: SessionId }).strict();

/** Event name → payload schema. Anything else gets an `unknown_event` error. */
export const ClientEvents = {
  'session:create': CreateSession,
  'session:join': JoinSession,
  'session:leave': LeaveSession,
  'session:send': SendMessage,
  'session:input': InputReply,
  'session:close': TurnControl,
  'turn:pause': TurnControl,
  'turn:resume': TurnControl,
  'turn:abort': TurnControl,
} as const;
export type ClientEventName = keyof typeof ClientEvents;

export type Ack<T = Record<string, unknown>> = ({ ok: true } & T) | { ok: false; error: ApiError };

// ---- server → client ----

export type Role = 'user' | 'assistant' | 'tool' | 'system';

/** One message published on a topic of a session: the unit of transcripts and traces. */
export interface MessageEvent {
  sessionId: string;
  id: string;
  turnId: string;
  topic: { type: string; source: string };
  /** Agent type that published it, or "user" for the person in the session. */
  sender: string;
  /** Agent types the message was delivered to. */
  recipients: string[];
  role: Role;
  content: string;
  /** True when the topic is one of the graph's outputs (what the chat view shows). */
  output: boolean;
  time: number;
  /** The sender's agent call that published it, so a transcript carries the trace's calls. */
  call?: MessageCall;
}

/**
 * An agent call as of the moment it published a message: when it started, and the tokens, cost
 * and graph model id of its model calls so far. The messages of one call share its `start`.
 */
export interface MessageCall {
  start: number;
  usage?: Usage;
  model?: string;
}

/**
 * Streamed text of one message. `delta` may hold several tokens: the runner joins the tokens of
 * one short window (config tokenWindowMs). Appending every delta in order gives the message's text.
 */
export interface TokenEvent {
  sessionId: string;
  turnId: string;
  agent: string;
  messageId: string;
  delta: string;
}
export interface AgentEvent {
  sessionId: string;
  turnId: string;
  agent: string;
  phase: 'start' | 'finish' | 'error';
  /** Topic type whose message woke the agent (so the canvas can pulse the edge). */
  topic?: string;
  error?: string;
  time: number;
}
export interface InputRequestEvent {
  sessionId: string;
  turnId: string;
  requestId: string;
  agent: string;
  prompt: string;
  timeoutMs: number;
}
export type TurnEndReason =
  'completed' | 'terminated' | 'max_messages' | 'token_budget' | 'timeout' | 'aborted' | 'input_timeout' | 'error';
export interface TurnEndEvent {
  sessionId: string;
  turnId: string;
  reason: TurnEndReason;
  detail?: string;
  time: number;
  /** Tokens and cost of this turn, all agents together. */
  usage?: Usage;
  /** W3C trace id of the turn's trace, when the runner exports traces: to look the turn up in a tracing backend. */
  traceId?: string;
}
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cost: number;
  estimated: boolean;
}
/**
 * Tokens an agent used: `usage` is its session total and `session` the session's; `call` is what
 * this one model call used, with the graph's `model` id (the trace's per-call figures).
 */
export interface UsageEvent {
  sessionId: string;
  turnId: string;
  agent: string;
  usage: Usage;
  session: Usage;
  call?: Usage;
  model?: string;
}
export const SessionState = z.enum(['idle', 'running', 'paused', 'waiting_input', 'closed']);
export type SessionState = z.infer<typeof SessionState>;
export interface SessionStateEvent {
  sessionId: string;
  state: SessionState;
  time: number;
}
export interface WarningEvent {
  sessionId?: string;
  code: string;
  message: string;
}
/** One call of an MCP server's tool, for the trace: what went in and out, and how long it took. */
export interface ToolCallEvent {
  sessionId: string;
  turnId: string;
  agent: string;
  /** MCP server id in the graph. */
  server: string;
  tool: string;
  ok: boolean;
  latencyMs: number;
  /** Characters of the JSON arguments sent. */
  argsChars: number;
  /** Characters of the result before the cap; `truncated` when the model got less. */
  resultChars: number;
  truncated: boolean;
  time: number;
}

export interface ServerEvents {
  message: MessageEvent;
  token: TokenEvent;
  agent: AgentEvent;
  input_request: InputRequestEvent;
  turn_end: TurnEndEvent;
  usage: UsageEvent;
  session: SessionStateEvent;
  warning: WarningEvent;
  error: ApiError;
  tool_call: ToolCallEvent;
}
export type ServerEventName = keyof ServerEvents;

/** The events a `chat` socket receives too; the rest go to `all` sockets only. */
export function isChatEvent<E extends ServerEventName>(event: E, payload: ServerEvents[E]): boolean {
  switch (event) {
    case 'message': {
      const m = payload as MessageEvent;
      return m.output || m.sender === 'user';
    }
    case 'agent':
    case 'usage':
    case 'session':
    case 'tool_call':
      return false;
    default:
      return true;
  }
}

/** What REST and `session:join` return about a session. */
export interface SessionInfo {
  id: string;
  tenant: string;
  user?: string;
  graphId: string;
  graphVersion: number;
  state: SessionState;
  createdAt: number;
  lastActiveAt: number;
  turns: number;
  usage: Usage;
  /** Session totals per agent type. */
  agentUsage?: Record<string, Usage>;
  owner?: string;
  /**
   * The running turn's input requests nobody has answered yet (a `user` agent waiting), so a
   * client that joins or reconnects while the session is `waiting_input` can still answer them.
   * Only on a live session's answer (REST get, session:join), never in lists or the store.
   */
  inputRequests?: InputRequestEvent[];
}
