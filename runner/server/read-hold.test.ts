import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdReading } from './read-hold.ts';

describe('holdReading', () => {
  const http = createServer();
  const server = new Server(http);
  let url: string;
  /** When the server read each event, by name. */
  const readAt = new Map<string, number>();
  beforeAll(async () => {
    server.on('connection', (socket) => {
      socket.on('hold', (ack: () => void) => {
        holdReading(socket, 0);
        ack();
      });
      socket.on('note', (name: string, ack: () => void) => {
        readAt.set(name, performance.now());
        ack();
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('reads nothing more from the socket for at least 100 ms, then everything it sent meanwhile, in order', async () => {
    const client = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.emitWithAck('hold');
    const sentAt = performance.now();
    await Promise.all(['a', 'b', 'c'].map((name) => client.emitWithAck('note', name)));
    expect(readAt.get('a')! - sentAt).toBeGreaterThanOrEqual(95); // timer granularity
    expect(readAt.get('a')! <= readAt.get('b')! && readAt.get('b')! <= readAt.get('c')!).toBe(true);
    client.disconnect();
  });

  it('reads a socket that disconnects while held again at once, so its close handshake completes', async () => {
    const client = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.emitWithAck('hold');
    const socket = server.sockets.sockets.get((await server.fetchSockets())[0]!.id)!;
    const ws = (socket.conn.transport as unknown as { socket: { isPaused: boolean } }).socket;
    expect(ws.isPaused).toBe(true);
    const closed = new Promise<void>((resolve) => socket.conn.once('close', () => resolve()));
    socket.disconnect(true);
    // Unread, the client's close frame would wait for the hold's end or ws's 30 s close timeout.
    expect(ws.isPaused).toBe(false);
    await closed;
    client.disconnect();
  });
});
