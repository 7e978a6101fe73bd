import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ClientEventName,
  MessageEvent,
  ServerEventName,
  ServerEvents,
  SessionInfo,
} from '../../../schemas/protocol.ts';
import { ApiFailure } from './http.ts';

type Listener<E extends ServerEventName> = (payload: ServerEvents[E]) => void;

let socket: Socket | undefined;

/** One Socket.IO connection per tab, shared by every session panel. */
export function runnerSocket(): Socket {
  if (!socket) {
    const s = (socket = io({ path: '/socket.io', transports: ['websocket', 'polling'] }));
    // Socket.IO does not retry a handshake the runner refused: over its budget, try again when told.
    s.on('connect_error', (err: Error & { data?: { code?: string; details?: { retryAfterMs?: number } } }) => {
      if (err.data?.code === 'rate_limited') setTimeout(() => s.connect(), err.data.details?.retryAfterMs ?? 1000);
    });
  }
  return socket;
}

/** Emits a client event and resolves with its ack, or rejects with the runner's error. */
export function call<T = Record<string, unknown>>(
  event: ClientEventName,
  payload: object,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    runnerSocket()
      .timeout(timeoutMs)
      .emit(event, payload, (err: Error | null, ack: Ack<T>) => {
        if (err)
          reject(
            new ApiFailure(0, { code: 'timeout', message: `${event}: no answer from the runner in ${timeoutMs} ms` }),
          );
        else if (!ack.ok) reject(new ApiFailure(0, ack.error));
        else resolve(ack as T);
      });
  });
}

export function onServer<E extends ServerEventName>(event: E, listener: Listener<E>): () => void {
  const s = runnerSocket();
  s.on(event as string, listener as never);
  return () => void s.off(event as string, listener as never);
}

export const sessionCalls = {
  /** `messages`: what a graph with a start topic said before the socket joined. */
  create: (graphId: string, version?: number) =>
    call<{ session: SessionInfo; messages?: MessageEvent[] }>('session:create', { graphId, version }),
  join: (sessionId: string, afterMessageId?: string) =>
    call<{ session: SessionInfo; messages: MessageEvent[] }>('session:join', { sessionId, afterMessageId }),
  send: (sessionId: string, content: string, messageId?: string) =>
    call<{ messageId: string; turnId: string }>('session:send', { sessionId, content, messageId }),
  input: (sessionId: string, requestId: string, content: string) =>
    call('session:input', { sessionId, requestId, content }),
  pause: (sessionId: string) => call('turn:pause', { sessionId }),
  resume: (sessionId: string) => call('turn:resume', { sessionId }),
  abort: (sessionId: string) => call('turn:abort', { sessionId }),
  close: (sessionId: string) => call('session:close', { sessionId }),
};
