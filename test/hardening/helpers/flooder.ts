import { fork, type ChildProcess } from 'node:child_process';
import type { Ack } from '../../../schemas/protocol.ts';
import { io, type Socket } from 'socket.io-client';

/**
 * Hostile Socket.IO traffic from another process, as a real attacker's would be: the clients'
 * own work (encoding, acks) must not share the event loop of the runner whose speed is measured.
 */
export interface FloodPlan {
  url: string;
  token: string;
  sockets: number;
  /** Events each socket keeps in flight. */
  inFlight: number;
  /** Cycled through by every lane; each is expected to be refused. */
  attempts: { event: string; args: unknown[] }[];
  /** A socket the server cuts off is replaced by a new one, as a persistent attacker would. */
  reconnect?: boolean;
  /** Each socket is dropped after this many events and replaced (with `reconnect`), to start afresh. */
  reconnectEvery?: number;
}

export interface FloodResult {
  sent: number;
  /** Refusals by error code. */
  refusals: Record<string, number>;
  /** Events that were not refused, by event name (should be none). */
  accepted: Record<string, number>;
  /** Sockets the server disconnected during the flood. */
  disconnected: number;
  /** Connections opened, the first ones included. */
  connected: number;
  /** Handshakes the server refused, by error code (a refused one is retried at once). */
  handshakeRefusals: Record<string, number>;
  /** `error` events the server sent, by code, and the last message of each code. */
  errors: Record<string, { count: number; message: string; details?: unknown }>;
  /** Events still in flight when their socket was cut off (never answered). */
  unanswered: number;
}

type ToChild = { plan: FloodPlan } | { pause: boolean } | { stop: true };
type FromChild =
  { ready: true } | { paused: number } | { resumed: true } | { result: FloodResult } | { failed: string };

/** Starts the flood in a child process; resolves once every socket is connected and sending. */
export async function startFlood(
  plan: FloodPlan,
): Promise<{ pause(): Promise<number>; resume(): Promise<void>; stop(): Promise<FloodResult> }> {
  const child = fork(import.meta.filename, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<FromChild>((resolve, reject) => {
      const onMessage = (m: unknown) => {
        child.off('exit', onExit);
        resolve(m as FromChild);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`flooder exited with ${code}`));
      };
      child.once('message', onMessage).once('exit', onExit);
    });
  const receive = async <K extends string>(key: K): Promise<Extract<FromChild, Record<K, unknown>>> => {
    const m = await next();
    if ('failed' in m) throw new Error(`flooder: ${m.failed}`);
    if (!(key in m)) throw new Error(`flooder sent ${JSON.stringify(m)} instead of ${key}`);
    return m as Extract<FromChild, Record<K, unknown>>;
  };
  const ready = receive('ready');
  send(child, { plan });
  try {
    await ready;
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    /** Resolves once no event of the flood is in flight any more, with how many were sent so far. */
    async pause() {
      const paused = receive('paused');
      send(child, { pause: true });
      return (await paused).paused;
    },
    async resume() {
      const resumed = receive('resumed');
      send(child, { pause: false });
      await resumed;
    },
    async stop() {
      const result = receive('result');
      send(child, { stop: true });
      return (await result).result;
    },
  };
}

const send = (child: ChildProcess, m: ToChild) => child.send(m);

function connect(url: string, token: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Lanes wait on `gate` while the flood is paused; `inFlight` counts the events awaiting their ack. */
const control = {
  flooding: true,
  paused: false,
  reported: false,
  inFlight: 0,
  gate: Promise.resolve() as Promise<void>,
  open: () => {},
};
const reportIfPaused = () => {
  if (!control.paused || control.reported || control.inFlight > 0) return;
  control.reported = true;
  process.send!({ paused: sent.count } satisfies FromChild);
};
const sent = { count: 0 };

async function flood(plan: FloodPlan): Promise<FloodResult> {
  const result: FloodResult = {
    sent: 0,
    refusals: {},
    accepted: {},
    disconnected: 0,
    connected: 0,
    handshakeRefusals: {},
    errors: {},
    unanswered: 0,
  };
  const open = new Set<Socket>();
  let stopping = false;
  /**
   * Retries a refused handshake at once, as a persistent attacker would (a pending one counts as
   * in flight); anything else is a failure. Undefined once the flood has stopped.
   */
  const connectOne = async (): Promise<Socket | undefined> => {
    for (;;) {
      await control.gate;
      if (!control.flooding) return undefined;
      control.inFlight++;
      try {
        return opened(await connect(plan.url, plan.token));
      } catch (error) {
        const code = (error as { data?: { code?: string } }).data?.code;
        if (code === undefined) throw error;
        result.handshakeRefusals[code] = (result.handshakeRefusals[code] ?? 0) + 1;
      } finally {
        control.inFlight--;
        reportIfPaused();
      }
    }
  };
  const opened = (socket: Socket) => {
    result.connected++;
    open.add(socket);
    socket.on('error', (e: { code: string; message: string; details?: unknown }) => {
      const seen = (result.errors[e.code] ??= { count: 0, message: '' });
      seen.count++;
      seen.message = e.message;
      if (e.details !== undefined) seen.details = e.details;
    });
    socket.once('disconnect', (reason) => {
      open.delete(socket);
      if (!stopping && reason !== 'io client disconnect') result.disconnected++;
    });
    return socket;
  };
  /** One socket's lanes, until the flood stops or the server cuts the socket off. */
  const run = async (socket: Socket) => {
    let sentHere = 0;
    await Promise.all(
      Array.from({ length: plan.inFlight }, async (_, lane) => {
        for (let i = lane; control.flooding && socket.connected; i++) {
          await control.gate;
          if (!control.flooding || !socket.connected) break;
          const { event, args } = plan.attempts[i % plan.attempts.length]!;
          control.inFlight++;
          const ack = (await socket
            .timeout(30_000)
            .emitWithAck(event, ...args)
            .catch(() => undefined)
            .finally(() => control.inFlight--)) as Ack | undefined;
          result.sent = ++sent.count;
          if (++sentHere === plan.reconnectEvery) socket.disconnect();
          if (!ack) result.unanswered++;
          reportIfPaused();
          if (!ack) break;
          const tally = ack.ok ? result.accepted : result.refusals;
          const key = ack.ok ? event : ack.error.code;
          tally[key] = (tally[key] ?? 0) + 1;
        }
      }),
    );
  };
  const first = (await Promise.all(Array.from({ length: plan.sockets }, connectOne))) as Socket[];
  process.send!({ ready: true } satisfies FromChild);
  await Promise.all(
    first.map(async (socket) => {
      await run(socket);
      while (plan.reconnect && control.flooding) {
        const socket = await connectOne();
        if (socket) await run(socket);
      }
    }),
  );
  stopping = true;
  const counted = structuredClone(result);
  for (const s of open) s.disconnect();
  return counted;
}

if (process.send && process.argv[1] === import.meta.filename) {
  process.on('message', (m: ToChild) => {
    if ('stop' in m) {
      control.flooding = false;
      control.open();
    } else if ('pause' in m) {
      control.paused = m.pause;
      control.reported = false;
      if (m.pause) {
        control.gate = new Promise((r) => (control.open = r));
        reportIfPaused();
      } else {
        control.open();
        process.send!({ resumed: true } satisfies FromChild);
      }
    } else
      flood(m.plan).then(
        (result) => process.send!({ result } satisfies FromChild, () => process.exit(0)),
        (error: unknown) => process.send!({ failed: String(error) } satisfies FromChild, () => process.exit(1)),
      );
  });
}
