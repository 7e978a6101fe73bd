import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, type Socket as ServerSocket } from 'socket.io';
import type { MessageEvent } from '../../schemas/protocol.ts';
import { startRunner } from '../../runner/app.ts';
import { parseConfig } from '../../runner/config.ts';
import { cpuProfiler } from '../cpu-profile.ts';
import { ECHO, putGraph } from './graphs.ts';

/**
 * A server the runner benchmarks measure from outside its process, so clients and server never
 * share an event loop: started by spawnRole with SB_BENCH_ROLE set to its role.
 */

/** Runs in a child: a runner (or a bare Socket.IO echo server) that prints its URL. */
async function serve(role: string): Promise<void> {
  // The parent asks for this process's CPU time, to compare server cost per operation.
  const profiler = cpuProfiler(`runner-${role}`);
  process.on('message', (m) => m === 'cpu' && void profiler.cut().then(() => process.send?.(process.cpuUsage())));
  if (role === 'bare' || role === 'floor') {
    const http = createServer();
    const server = new Server(http, { serveClient: false });
    server.on('connection', (socket) =>
      role === 'bare'
        ? socket.on('ping', (payload: unknown, ack: (r: unknown) => void) => ack({ ok: true, payload }))
        : floorTurns(server, socket),
    );
    http.listen(0, '127.0.0.1', () =>
      process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` })}\n`),
    );
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-server-'));
  const runner = await startRunner({
    config: parseConfig({
      port: 0,
      dataDir: dir,
      logLevel: 'error',
      designerDir: join(dir, 'none'),
      limits: {
        socket: { perSecond: 100_000, burst: 100_000 },
        socketTenant: { perSecond: 100_000, burst: 100_000 },
        handshakeTenant: { perSecond: 100_000, burst: 100_000 },
        http: { perSecond: 100_000, burst: 100_000 },
      },
    }),
  });
  await putGraph(runner, ECHO);
  process.stdout.write(`${JSON.stringify({ url: runner.url })}\n`);
  process.once(
    'SIGTERM',
    () =>
      void runner.close().finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      }),
  );
}

/**
 * The protocol's floor: a Socket.IO server that runs no agent and stores nothing, but answers
 * session:create and session:send with the frames a real turn sends a chat client (the ack, the
 * user's message, the reply a macrotask later, the turn end), shaped like the runner's. No server
 * can serve this event stream faster, so it shows how much of the bare round trip's rate a turn
 * can reach at all on this machine, and how far the runner is from it.
 */
function floorTurns(server: Server, socket: ServerSocket): void {
  socket.on('session:create', (_payload: unknown, ack: (r: unknown) => void) => {
    const id = randomUUID();
    void socket.join(`s:${id}`);
    ack({ ok: true, session: { id } });
  });
  socket.on(
    'session:send',
    ({ sessionId, content }: { sessionId: string; content: string }, ack: (r: unknown) => void) => {
      const room = server.to(`s:${sessionId}`);
      const [messageId, turnId] = [randomUUID(), randomUUID()];
      const message = (id: string, type: string, sender: string, text: string, output: boolean): MessageEvent => ({
        sessionId,
        id,
        turnId,
        topic: { type, source: sessionId },
        sender,
        recipients: output ? [] : ['echo'],
        role: sender === 'user' ? 'user' : 'assistant',
        content: text,
        output,
        time: Date.now(),
      });
      room.emit('message', message(messageId, 'bench.in', 'user', content, false));
      ack({ ok: true, messageId, turnId });
      setImmediate(() => {
        room.emit('message', message(randomUUID(), 'bench.out', 'echo', `ok: ${content}`, true));
        room.emit('turn_end', {
          sessionId,
          turnId,
          reason: 'completed',
          time: Date.now(),
          usage: { promptTokens: 3, completionTokens: 2, cost: 0, estimated: true },
        });
      });
    },
  );
}

await serve(process.env.SB_BENCH_ROLE ?? 'runner');
