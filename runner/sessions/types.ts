import type { MessageEvent, ServerEventName, ServerEvents, SessionInfo, StartContext } from '../../schemas/protocol.ts';

/** Who is asking: every call is scoped to one tenant, and a foreign session is "not found". */
export interface Caller {
  tenant: string;
  user?: string;
}

export interface CreateOptions {
  graphId: string;
  version?: number;
  context?: StartContext;
}

export type SessionListener = <E extends ServerEventName>(event: E, payload: ServerEvents[E]) => void;

/** The session API the server (REST, Socket.IO, OpenAI endpoint) and the CLI are built on. */
export interface Sessions {
  /** `context`: the client's part of the session-start message (see start-message.ts). */
  create(caller: Caller, options: CreateOptions): Promise<SessionInfo>;
  get(caller: Caller, id: string): Promise<SessionInfo>;
  list(caller: Caller, filter?: { graphId?: string; state?: string; user?: string }): Promise<SessionInfo[]>;
  transcript(caller: Caller, id: string, options?: { afterMessageId?: string }): Promise<MessageEvent[]>;
  /** Accepts a user message; resolves once it is persisted (the ack point). */
  send(
    caller: Caller,
    id: string,
    message: { content: string; messageId?: string },
  ): Promise<{ messageId: string; turnId: string }>;
  /** Resolves when the session's current turn has ended. */
  settled(caller: Caller, id: string): Promise<void>;
  reply(caller: Caller, id: string, requestId: string, content: string): Promise<void>;
  pause(caller: Caller, id: string): Promise<void>;
  resume(caller: Caller, id: string): Promise<void>;
  abort(caller: Caller, id: string): Promise<void>;
  close(caller: Caller, id: string): Promise<void>;
  delete(caller: Caller, id: string): Promise<void>;
  /** Live events of one session (after an access check). */
  subscribe(caller: Caller, id: string, listener: SessionListener): Promise<() => void>;
  stats(): { liveSessions: number; instances: number; queueDepth: number };
  /** Finishes or checkpoints running turns, then persists everything. */
  shutdown(): Promise<void>;
}
