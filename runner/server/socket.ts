import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { z } from 'zod';
import {
  ClientEvents,
  isChatEvent,
  type Ack,
  type ApiError,
  type ClientEventName,
  type EventScope,
  type ServerEventName,
} from '../../schemas/protocol.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { parseRoom, roomOf, roomsOf } from '../sessions/rooms.ts';
import { creatorFor } from '../sessions/access.ts';
import type { Caller, Sessions } from '../sessions/types.ts';
import { bearerToken, type Auth } from './auth.ts';
import { cutOffWhenBacklogged } from './backlog-guard.ts';
import { toAppError } from './http-errors.ts';
import type { Metrics } from './metrics.ts';
import { problemsOf } from './problems.ts';
import { holdReading } from './read-hold.ts';
import { clientAddress, trustOf } from './client-address.ts';
import { eventRefused, handshakeRefused, refusalDelay, SocketLimits } from './socket-limits.ts';
import { SocketRate } from './socket-rate.ts';
import { loopWorks } from '../telemetry/loop-work.ts';
import { withTraceContext } from '../telemetry/propagation.ts';
import { TokenCoalescer } from './token-coalescer.ts';
import { TickFrames } from './tick-frames.ts';

export interface SocketDeps {
  config: Config;
  auth: Auth;
  sessions: Sessions;
  metrics: Metrics;
  log: (err: unknown) => void;
  /**
   * A client cut off for what it did (flooding, not reading its events): a warning without a
   * stack, since a client that keeps doing it would fill the log with errors that are not the
   * runner's.
   */
  warn: (fields: Record<string, unknown>, message: string) => void;
  /** Cluster mode: the adapter every runner process shares (events and connection-state recovery across them). */
  adapter?: ServerOptions['adapter'];
  /** Cluster mode: a session's owner emits its events to the room, wherever the room's sockets are. */
  externalRoomEvents?: boolean;
}

/** Cluster mode: how long a disconnected client can come back and get the events it missed replayed. */
const RECOVERY_MS = 2 * 60_000;

/** Bytes of events queued for a client that is not reading before it is cut off; a healthy one holds a few messages at most. */
const MAX_QUEUED_BYTES = 4_000_000;

type Handler<N extends ClientEventName> = (
  socket: Socket,
  payload: z.infer<(typeof ClientEvents)[N]>,
) => Promise<Record<string, unknown>>;

export interface SocketServer {
  io: Server;
  /** Where a session's events go to its room (cluster mode: the owner's events, wherever the room's sockets are). */
  toRooms: TokenCoalescer;
  /** Disconnects every client and drops every Sessions subscription. */
  close(): Promise<void>;
}

export function attachSocketServer(http: HttpServer, deps: SocketDeps): SocketServer {
  const { config, auth, sessions, metrics } = deps;
  const io = new Server(http, {
    serveClient: false,
    // Headroom over the per-event limit, so a slightly oversized event gets a clear error ack;
    // a packet past twice the limit closes the connection before it is parsed.
    maxHttpBufferSize: config.limits.socketPayloadBytes * 2,
    // Recovery only across a cluster, where the Redis Streams adapter keeps the missed events in
    // Redis. In one process Socket.IO would keep every event of every room in memory for the
    // whole window; a client catches up from the transcript instead (session:join afterMessageId).
    ...(deps.adapter
      ? {
          adapter: deps.adapter,
          connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_MS, skipMiddlewares: true },
        }
      : {}),
  });
  const adapter = io.of('/').adapter;
  const limits = new SocketLimits(config.limits);
  const trust = trustOf(config.trustProxy);
  const toRooms = new TokenCoalescer(config.tokenWindowMs, (room, event, payload) => io.to(room).emit(event, payload));
  const tickFrames = new TickFrames();

  /**
   * One Sessions subscription per room, not per socket. It outlives the room by the recovery
   * window so events keep being recorded for a client that is reconnecting.
   */
  const subscriptions = new Map<string, { ready: Promise<() => void>; drop?: NodeJS.Timeout }>();
  const subscribeRoom = (room: string) => {
    if (deps.externalRoomEvents) return undefined;
    const existing = subscriptions.get(room);
    if (existing) {
      clearTimeout(existing.drop);
      existing.drop = undefined;
      return existing.ready;
    }
    const target = parseRoom(room);
    if (!target) return undefined;
    const ready = sessions.subscribe(
      { tenant: target.tenant },
      target.sessionId,
      (event: ServerEventName, payload: unknown) => {
        if (isChatEvent(event, payload as never) !== target.chat) return; // the other room's
        metrics.countDelivered(event, payload as never);
        // Not volatile, even for tokens: engine.io marks a websocket unwritable while a send is in
        // flight, so volatile events emitted in a burst (a token stream) would mostly be dropped.
        toRooms.push(room, event, payload);
      },
    );
    subscriptions.set(room, { ready });
    ready.catch((err) => {
      subscriptions.delete(room);
      deps.log(err);
    });
    return ready;
  };
  const releaseRoom = (room: string) => {
    const sub = subscriptions.get(room);
    if (!sub) return;
    sub.drop = setTimeout(() => {
      subscriptions.delete(room);
      void sub.ready.then(
        (unsubscribe) => unsubscribe(),
        () => undefined,
      );
    }, RECOVERY_MS).unref();
  };
  adapter.on('create-room', (room: string) => void subscribeRoom(room));
  adapter.on('delete-room', (room: string) => releaseRoom(room));

  async function joinRoom(
    socket: Socket,
    caller: Caller,
    sessionId: string,
    events: EventScope = 'all',
  ): Promise<void> {
    const rooms = events === 'all' ? roomsOf(caller.tenant, sessionId) : [roomOf(caller.tenant, sessionId)];
    // A socket that joined with `all` and joins again with `chat` stops getting the trace.
    if (events === 'chat') await socket.leave(roomOf(caller.tenant, sessionId, false));
    await socket.join(rooms);
    try {
      await Promise.all(rooms.map(subscribeRoom));
    } catch (err) {
      for (const room of rooms) await socket.leave(room);
      throw err;
    }
  }

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const caller = auth.callerFor(
      typeof token === 'string' ? token : bearerToken(socket.handshake.headers.authorization),
    );
    const refused = limits.takeHandshake(caller?.tenant, clientAddress(socket.request, trust));
    if (refused) {
      setTimeout(() => next(handshakeRefused(refused)), refusalDelay(refused)).unref();
      return;
    }
    if (!caller) {
      const err = new Error('unauthorized: missing or unknown API token (handshake auth.token)') as Error & {
        data?: ApiError;
      };
      err.data = { code: 'unauthorized', message: err.message };
      next(err);
      return;
    }
    socket.data.caller = caller;
    next();
  });

  const handlers: { [N in ClientEventName]: Handler<N> } = {
    'session:create': async (socket, p) => {
      const caller = creatorFor(callerOf(socket), p.user);
      const created = await sessions.create(caller, { graphId: p.graphId, version: p.version, context: p.context });
      await joinRoom(socket, caller, created.id, p.events);
      // A graph with a start topic is already in its first turn: what it said before the join
      // comes with the answer (read after the join, so nothing falls between), as on session:join.
      if (created.state === 'idle') return { session: created };
      const messages = await sessions.transcript(caller, created.id);
      return { session: await sessions.get(caller, created.id), messages };
    },
    'session:join': async (socket, p) => {
      const caller = callerOf(socket);
      // The access check first (an unknown or foreign session joins no room), then the room, so
      // nothing emitted from here on is missed; the state is read last, so it is never older
      // than the messages the answer brings (a turn that ends in between is in both).
      await sessions.get(caller, p.sessionId);
      await joinRoom(socket, caller, p.sessionId, p.events);
      const messages = await sessions.transcript(
        caller,
        p.sessionId,
        p.afterMessageId ? { afterMessageId: p.afterMessageId } : {},
      );
      return { session: await sessions.get(caller, p.sessionId), messages };
    },
    'session:leave': async (socket, p) => {
      const { tenant } = callerOf(socket);
      await socket.leave(roomOf(tenant, p.sessionId));
      await socket.leave(roomOf(tenant, p.sessionId, false));
      return {};
    },
    'session:send': async (socket, p) => {
      const trace = p.traceparent ? p : socket.handshake.headers;
      const accepted = await withTraceContext(trace, () =>
        sessions.send(callerOf(socket), p.sessionId, { content: p.content, messageId: p.messageId }),
      );
      metrics.userMessages.inc();
      return accepted;
    },
    'session:input': async (socket, p) => {
      await sessions.reply(callerOf(socket), p.sessionId, p.requestId, p.content);
      return {};
    },
    'session:close': async (socket, p) => {
      await sessions.close(callerOf(socket), p.sessionId);
      return {};
    },
    'turn:pause': async (socket, p) => (await sessions.pause(callerOf(socket), p.sessionId), {}),
    'turn:resume': async (socket, p) => (await sessions.resume(callerOf(socket), p.sessionId), {}),
    'turn:abort': async (socket, p) => (await sessions.abort(callerOf(socket), p.sessionId), {}),
  };

  io.on('connection', (socket) => {
    tickFrames.attach(socket);
    metrics.socketConnections.inc();
    socket.on('disconnect', () => metrics.socketConnections.dec());
    cutOffWhenBacklogged(socket, MAX_QUEUED_BYTES, (bytes) =>
      deps.warn(
        { code: 'slow_client', socket: socket.id, tenant: callerOf(socket).tenant, queuedBytes: bytes },
        'socket cut off: it stopped reading its events',
      ),
    );
    const tenant = callerOf(socket).tenant;
    const rate = new SocketRate(config.limits.socket, Date.now(), (now) => limits.takeEvent(tenant, now));

    const answer = (event: string, ack: ((r: Ack) => void) | undefined, result: Ack) => {
      metrics.socketEvents.inc({
        event: event in ClientEvents ? event : 'unknown',
        outcome: result.ok ? 'ok' : 'error',
      });
      if (ack) ack(result);
      else if (!result.ok) socket.emit('error', result.error);
    };
    const refuse = (event: string, ack: ((r: Ack) => void) | undefined, error: AppError) =>
      answer(event, ack, { ok: false, error: error.toJSON() as ApiError });
    /** Counts the event against the socket's rate; false when it was refused (or the socket cut off) instead. */
    const admit = (event: string, ack: ((r: Ack) => void) | undefined): boolean => {
      loopWorks();
      if (rate.flooding) return false; // cut off already; what was in the same packets goes unanswered
      const wait = rate.take();
      if (wait === 0) return true;
      if (!rate.flooding) {
        refuse(event, ack, eventRefused(wait, rate.refusedBy));
        holdReading(socket, wait);
        return false;
      }
      const error = new AppError('flood', 429, `disconnected: ${rate.describe()}`, {
        perSecond: rate.limit.perSecond,
        burst: rate.limit.burst,
      });
      metrics.socketEvents.inc({ event: event in ClientEvents ? event : 'unknown', outcome: 'error' });
      deps.warn(
        { code: 'flood', socket: socket.id, tenant: callerOf(socket).tenant },
        `socket cut off: ${rate.describe()}`,
      );
      socket.emit('error', error.toJSON() as ApiError);
      // A graceful close: the error event goes out before the connection ends.
      socket.disconnect(true);
      return false;
    };

    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && Object.hasOwn(ClientEvents, event)) return;
      const ack = typeof args.at(-1) === 'function' ? (args.at(-1) as (r: Ack) => void) : undefined;
      if (!admit('unknown', ack)) return;
      refuse(
        String(event),
        ack,
        new AppError(
          'unknown_event',
          400,
          `unknown event "${String(event).slice(0, 100)}"; events are ${Object.keys(ClientEvents).join(', ')}`,
        ),
      );
    });

    for (const name of Object.keys(ClientEvents) as ClientEventName[]) {
      socket.on(name, async (...args: unknown[]) => {
        const ack = typeof args.at(-1) === 'function' ? (args.pop() as (r: Ack) => void) : undefined;
        if (!admit(name, ack)) return;
        if (args.length !== 1)
          return refuse(name, ack, new AppError('invalid', 400, `"${name}" takes exactly one payload object`));
        const size = payloadSize(args[0]);
        if (size > config.limits.socketPayloadBytes) {
          return refuse(
            name,
            ack,
            new AppError(
              'payload_too_large',
              413,
              `payload is ${size} bytes; the limit is ${config.limits.socketPayloadBytes}`,
              { limit: config.limits.socketPayloadBytes },
            ),
          );
        }
        const parsed = ClientEvents[name].safeParse(args[0]);
        if (!parsed.success)
          return refuse(
            name,
            ack,
            new AppError('invalid', 400, `invalid "${name}" payload`, { problems: problemsOf(parsed.error) }),
          );
        try {
          const result = await (handlers[name] as Handler<typeof name>)(socket, parsed.data as never);
          answer(name, ack, { ok: true, ...result });
        } catch (err) {
          const error = toAppError(err);
          if (error.status >= 500) deps.log(err);
          answer(name, ack, { ok: false, error: error.toJSON() as ApiError });
        }
      });
    }
  });

  return {
    io,
    toRooms,
    async close() {
      toRooms.flushAll();
      io.disconnectSockets(true);
      const subs = [...subscriptions.values()];
      subscriptions.clear();
      for (const sub of subs) clearTimeout(sub.drop);
      await Promise.all(
        subs.map((s) =>
          s.ready.then(
            (unsubscribe) => unsubscribe(),
            () => undefined,
          ),
        ),
      );
    },
  };
}

function callerOf(socket: Socket): Caller {
  return socket.data.caller as Caller;
}

/** Bytes of a payload as JSON; circular or exotic values count as too large. */
function payloadSize(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
