import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchedAdapter, type RoomReach } from './batched-adapter.ts';
import { connectTestRedis, flushPrefix, testPrefix } from './test-support.ts';
import { eventually } from '../../test/helpers/eventually.ts';

const ROOM = 'r';

describe('batched Redis Streams adapter', () => {
  const prefix = testPrefix('batched-adapter');
  let redis: Redis;
  const servers: { io: Server; http: HttpServer; url: string; client: Redis }[] = [];
  const sockets: Socket[] = [];

  const serve = async (reach?: RoomReach) => {
    const client = await connectTestRedis();
    const io = new Server({
      connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
      adapter: createBatchedAdapter(client, {
        streamName: `${prefix}stream`,
        channelPrefix: `${prefix}ch`,
        sessionKeyPrefix: `${prefix}s:`,
        onlyPlaintext: true,
        reach,
      }),
    });
    io.on('connection', (socket) => {
      if (!socket.recovered) void socket.join(ROOM);
    });
    const http = createServer();
    io.attach(http);
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    const server = { io, http, client, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
    servers.push(server);
    return server;
  };
  const open = async (url: string, auth?: Record<string, string>) => {
    const socket = connect(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(auth ? { auth } : {}),
    });
    sockets.push(socket);
    await new Promise<void>((ok, fail) => {
      socket.once('connect', () => ok());
      socket.once('connect_error', fail);
    });
    return socket;
  };
  const collect = (socket: Socket, n: number) =>
    new Promise<number[]>((resolve) => {
      const got: number[] = [];
      socket.on('e', (i: number) => {
        got.push(i);
        if (got.length === n) resolve(got);
      });
    });
  const burst = (io: Server, from: number, n: number) => {
    for (let i = from; i < from + n; i++) io.to(ROOM).emit('e', i);
  };

  beforeAll(async () => {
    redis = await connectTestRedis();
    await serve();
    await serve();
    await new Promise((r) => setTimeout(r, 200)); // both readers polling the stream
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const s of servers) {
      await new Promise<void>((ok) => s.io.close(() => ok()));
      s.client.disconnect();
    }
    await flushPrefix(redis, prefix);
    redis.disconnect();
  });

  it('delivers a burst emitted on one process, in order, to a client of the other, in fewer stream entries than events', async () => {
    const [a, b] = servers;
    const socket = await open(b.url);
    const before = await redis.xlen(`${prefix}stream`);
    const got = collect(socket, 50);
    burst(a.io, 0, 50);
    expect(await got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect((await redis.xlen(`${prefix}stream`)) - before).toBeLessThan(50);
  });

  it('recovers a client on the other process from an offset inside a batch, replaying exactly what it missed', async () => {
    const [a, b] = servers;
    const first = await open(a.url);
    const got = collect(first, 10);
    burst(a.io, 100, 10);
    await got;
    const { _pid: pid, _lastOffset: offset } = first as unknown as { _pid: string; _lastOffset: string };
    expect(offset).toBeTypeOf('string');
    // Pretend the client got only the first 4 events of the last batch: resume from the 4th's offset.
    const innerOffset = /^\d+-\d+$/.test(offset) ? `${offset}.3` : offset.replace(/\.\d+$/, '.3');
    // A dropped transport (not a clean disconnect) is what the server keeps a session for.
    (first.io as unknown as { engine: { close(): void } }).engine.close();
    await new Promise((r) => setTimeout(r, 100));
    burst(a.io, 200, 3);
    await new Promise((r) => setTimeout(r, 100));
    const replayed: number[] = [];
    const second = connect(b.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { pid, offset: innerOffset },
    });
    sockets.push(second);
    second.on('e', (i: number) => replayed.push(i));
    await new Promise<void>((ok) => second.once('connect', () => ok()));
    await new Promise((r) => setTimeout(r, 100));
    // Only a restored session replays: a fresh socket would have nothing before its connect.
    const missedOfLastBatch =
      /^\d+-\d+$/.test(offset) && (await redis.xrange(`${prefix}stream`, offset, offset))[0][1].join().includes('109')
        ? [104, 105, 106, 107, 108, 109]
        : replayed.slice(0, -3);
    expect(replayed).toEqual([...missedOfLastBatch, 200, 201, 202]);
    expect(replayed.every((i) => i > 103)).toBe(true);
  });

  it('encodes an event only in processes with a socket in its room, and still delivers it across', async () => {
    const [a, b] = servers;
    const socket = await open(b.url);
    const room = 'only-on-b';
    b.io.in(socket.id!).socketsJoin(room);
    const encoded = (server: { io: Server }) => {
      const adapter = server.io.of('/').adapter as unknown as { _encode: (...args: unknown[]) => unknown };
      const counted = { n: 0 };
      const encode = adapter._encode.bind(adapter);
      adapter._encode = (...args) => {
        counted.n += 1;
        return encode(...args);
      };
      return counted;
    };
    const [onA, onB] = [encoded(a), encoded(b)];
    const got = new Promise<number>((ok) => socket.once('x', ok));
    a.io.to(room).emit('x', 1);
    expect(await got).toBe(1);
    // Nobody on a is in the room: a only publishes it. A room nobody on b is in costs b nothing either.
    a.io.to('nobody-anywhere').emit('x', 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(onA.n).toBe(0);
    expect(onB.n).toBe(1);
  });

  it('keeps the events of a room only this process can have in it, and does not restore its sockets from the stream', async () => {
    const joined: string[] = [];
    const c = await serve({ unshared: (room) => room === 'mine', joined: (rooms) => void joined.push(...rooms) });
    await new Promise((r) => setTimeout(r, 200)); // its reader polling the stream
    const socket = await open(c.url);
    c.io.in(socket.id!).socketsJoin('mine');
    await eventually(
      async () => joined,
      (j) => j.includes('mine'),
      'the join to be seen by the reach',
    );
    const shared = collect(socket, 1);
    c.io.to(ROOM).emit('e', 1); // a room others may have: in the stream, with an offset
    await shared;
    const before = await redis.xlen(`${prefix}stream`);
    const got: number[] = [];
    socket.on('m', (i: number) => got.push(i));
    for (let i = 0; i < 3; i++) c.io.to('mine').emit('m', i);
    c.io.to('mine').except(socket.id!).emit('m', 99); // nobody: dropped
    await eventually(
      async () => got,
      (g) => g.length === 3,
      'the events of the room only here',
    );
    expect(await redis.xlen(`${prefix}stream`)).toBe(before);
    const { _pid: pid, _lastOffset: offset } = socket as unknown as { _pid: string; _lastOffset: string };
    expect(offset).toBeTypeOf('string');
    (socket.io as unknown as { engine: { close(): void } }).engine.close();
    await new Promise((r) => setTimeout(r, 100));
    const again = connect(c.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { pid, offset },
    });
    sockets.push(again);
    await new Promise<void>((ok) => again.once('connect', () => ok()));
    expect(again.recovered).toBe(false);
  });
});
