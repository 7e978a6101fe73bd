import { io, type Socket } from 'socket.io-client';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import type { Served } from './served.ts';

export async function connectMany(url: string, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, () => {
        const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
        return new Promise<Socket>((ok, fail) => {
          s.once('connect', () => ok(s));
          s.once('connect_error', fail);
        });
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

/** Connected clients ready to run one operation each in a closed loop. */
export interface Clients {
  size: number;
  step(i: number): Promise<void>;
  close(): void;
}

export async function bareClients(server: Served, clients: number): Promise<Clients> {
  const sockets = await connectMany(server.url, clients);
  return {
    size: clients,
    step: (i) => sockets[i].emitWithAck('ping', { n: i }).then(() => undefined),
    close: () => sockets.forEach((s) => s.disconnect()),
  };
}

/**
 * One session per client; a step is a turn: session:send in, the echo agent's reply message back.
 * The clients join as chat clients (`events: 'chat'`): they get the messages and turn ends a chat
 * window shows, not the designer's trace of agent activity and usage.
 */
export async function turnClients(server: Served, sessions: number): Promise<Clients> {
  const sockets = await connectMany(server.url, sessions);
  const ids = await Promise.all(
    sockets.map(async (s) => {
      const ack = (await s.emitWithAck('session:create', { graphId: 'bench-echo', events: 'chat' })) as {
        ok: boolean;
        session: SessionInfo;
      };
      if (!ack.ok) throw new Error(`session:create failed: ${JSON.stringify(ack)}`);
      return ack.session.id;
    }),
  );
  const waiting: Array<(() => void) | undefined> = [];
  sockets.forEach((s, i) =>
    s.on('message', (m: MessageEvent) => {
      if (m.output && m.sender !== 'user') waiting[i]?.();
    }),
  );
  let n = 0;
  const step = (i: number) =>
    new Promise<void>((resolve, reject) => {
      waiting[i] = resolve;
      sockets[i].emitWithAck('session:send', { sessionId: ids[i], content: `m${n++}` }).then((ack: { ok: boolean }) => {
        if (!ack.ok) reject(new Error(`session:send failed: ${JSON.stringify(ack)}`));
      }, reject);
    });
  // Every session runs one turn first, so agents exist and the graph is loaded before timing.
  await Promise.all(ids.map((_, i) => step(i)));
  return { size: sessions, step, close: () => sockets.forEach((s) => s.disconnect()) };
}
