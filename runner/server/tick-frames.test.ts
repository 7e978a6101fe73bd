import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TickFrames } from './tick-frames.ts';

/** Counts the writes that reach a server socket's TCP connection. */
function countWrites(socket: Socket): () => number {
  const tcp = (
    socket.conn.transport as unknown as { socket: { _socket: { _writeGeneric: (...args: unknown[]) => unknown } } }
  ).socket._socket;
  let writes = 0;
  const original = tcp._writeGeneric.bind(tcp);
  tcp._writeGeneric = (...args: unknown[]) => (writes++, original(...args));
  return () => writes;
}

describe('TickFrames', () => {
  const http = createServer();
  const server = new Server(http);
  const frames = new TickFrames();
  let url: string;
  beforeAll(async () => {
    server.on('connection', (socket) => frames.attach(socket));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  async function connected(): Promise<{
    client: ClientSocket;
    socket: Socket;
    received: string[];
    arrived: (n: number) => Promise<void>;
  }> {
    const client = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    const received: string[] = [];
    let waiter: { n: number; resolve: () => void } | undefined;
    client.on('e', (text: string) => {
      received.push(text);
      if (waiter && received.length >= waiter.n) waiter.resolve();
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const socket = server.sockets.sockets.get(client.id!)!;
    const arrived = (n: number) =>
      new Promise<void>((resolve) => (received.length >= n ? resolve() : (waiter = { n, resolve })));
    return { client, socket, received, arrived };
  }

  it('sends the frames of one tick in one write, in order', async () => {
    const { client, socket, received, arrived } = await connected();
    const writes = countWrites(socket);
    for (const text of ['a', 'b', 'c', 'd']) socket.emit('e', text);
    await arrived(4);
    expect(received).toEqual(['a', 'b', 'c', 'd']);
    expect(writes()).toBe(1);
    client.disconnect();
  });

  it('sends frames of different ticks as they come, each in its own write', async () => {
    const { client, socket, received, arrived } = await connected();
    const writes = countWrites(socket);
    for (const text of ['a', 'b', 'c']) {
      socket.emit('e', text);
      await arrived(received.length + 1);
    }
    expect(received).toEqual(['a', 'b', 'c']);
    expect(writes()).toBe(3);
    client.disconnect();
  });

  it('delivers what was queued when the server disconnects the socket in the same tick', async () => {
    const { client, socket, received } = await connected();
    const gone = new Promise<void>((resolve) => client.once('disconnect', () => resolve()));
    socket.emit('e', 'last words');
    socket.disconnect(true);
    await gone;
    expect(received).toEqual(['last words']);
  });
});
