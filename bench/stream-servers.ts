import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Server } from 'socket.io';
import type { ServerEventName, TokenEvent } from '../schemas/protocol.ts';
import { LOCAL_TENANT } from '../runner/config.ts';
import { chunkClock } from '../runner/models/stream-pace.ts';
import { echoGraph } from '../test/hardening/fixtures/graphs.ts';
import { answerCpu, listening, serveRunner, spawnChildServer, type ChildServer } from './child-server.ts';

/**
 * The servers of the streaming bench (stream.ts), each in its own child process so its CPU time
 * is its own: a runner (embedded lowdb store) whose scripted model streams at a real model's
 * pace, a bare Socket.IO server and a bare Express SSE server that send the same tokens one
 * event or chunk per token at the same pace.
 */

export const TOKENS = 200;
export const TOKEN_CHARS = 4;
export const TOKENS_PER_SECOND = 50;
/** 200 tokens of 4 characters: "w000", "w001"… */
export const REPLY = Array.from({ length: TOKENS }, (_, i) => `w${String(i).padStart(3, '0')}`).join('');

export const STREAM_GRAPH = echoGraph('bench-stream', {
  models: [
    {
      id: 'script',
      provider: 'scripted',
      fallback: REPLY,
      tokenSize: TOKEN_CHARS,
      pace: { tokensPerSecond: TOKENS_PER_SECOND, chunkTokens: 1 },
    },
  ],
  agents: [{ id: 'echo', type: 'echo', kind: 'assistant', config: { model: 'script', stream: true } }],
});

export type Role = 'runner' | 'bare-socketio' | 'bare-sse';

/** Wall-clock ms with sub-ms precision, comparable across the processes of one machine. */
export const now = () => performance.timeOrigin + performance.now();

/** When each token left the model: per session, [time, characters streamed so far]. */
type Emitted = Map<string, Array<[number, number]>>;

const SELF = fileURLToPath(import.meta.url);

async function serve(role: Role): Promise<void> {
  const emitted: Emitted = new Map();
  const record = (sessionId: string, delta: string) => {
    const list = emitted.get(sessionId) ?? [];
    emitted.set(sessionId, list);
    list.push([now(), (list.at(-1)?.[1] ?? 0) + delta.length]);
  };
  answerCpu();
  process.on('message', (m: { ask?: string }) => m.ask === 'emitted' && process.send?.([...emitted]));

  if (role === 'bare-socketio') {
    const http = createServer();
    const io = new Server(http, { serveClient: false });
    io.on('connection', (socket) =>
      socket.on('stream', ({ sessionId }: { sessionId: string }, ack: (r: unknown) => void) => {
        void socket.join(sessionId);
        ack({ ok: true });
        void paced(async (delta) => {
          const token: TokenEvent = { sessionId, turnId: 't', agent: 'echo', messageId: `m-${sessionId}`, delta };
          record(sessionId, delta);
          io.to(sessionId).emit('token', token);
        }).then(() =>
          io.to(sessionId).emit('turn_end', { sessionId, turnId: 't', reason: 'completed', time: Date.now() }),
        );
      }),
    );
    http.listen(0, '127.0.0.1', () => listening(`http://127.0.0.1:${(http.address() as AddressInfo).port}`));
    return;
  }
  if (role === 'bare-sse') {
    const app = express();
    app.use(express.json());
    app.post('/v1/chat/completions', async (req, res) => {
      const head = {
        id: 'chatcmpl-bare',
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model: (req.body as { model: string }).model,
      };
      const write = (delta: Record<string, unknown>, finish: string | null) =>
        res.write(
          `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`,
        );
      res.status(200).setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.flushHeaders();
      write({ role: 'assistant', content: '' }, null);
      await paced(async (delta) => void write({ content: delta }, null));
      write({}, 'stop');
      res.end('data: [DONE]\n\n');
    });
    const http = app.listen(0, '127.0.0.1', () =>
      listening(`http://127.0.0.1:${(http.address() as AddressInfo).port}`),
    );
    return;
  }

  // SB_STREAM_WINDOW_MS=0 measures the runner without coalescing, for comparison.
  const window = process.env.SB_STREAM_WINDOW_MS;
  const runner = await serveRunner(STREAM_GRAPH, window === undefined ? {} : { tokenWindowMs: Number(window) });
  // Sessions to time the model's tokens of (the bench's own listener, a small cost counted against the runner).
  process.on('message', (m: { watch?: string[] }) => {
    if (!m.watch) return;
    const listen = (id: string) =>
      runner.sessions.subscribe(
        { tenant: LOCAL_TENANT },
        id,
        (event: ServerEventName, payload: unknown) => event === 'token' && record(id, (payload as TokenEvent).delta),
      );
    void Promise.all(m.watch.map(listen)).then(() => process.send?.('watching'));
  });
}

/** The reply's tokens at the model's pace, as the scripted model streams them. */
async function paced(send: (delta: string) => Promise<void>): Promise<void> {
  const next = chunkClock({ tokensPerSecond: TOKENS_PER_SECOND, chunkTokens: 1 });
  for (let i = 0; i < REPLY.length; i += TOKEN_CHARS) {
    await next();
    await send(REPLY.slice(i, i + TOKEN_CHARS));
  }
}

export interface Served extends ChildServer {
  /** Asks the runner to time the model's tokens of these sessions; resolves once it does. */
  watch(sessionIds: string[]): Promise<void>;
  emitted(): Promise<Emitted>;
}

export async function spawnServer(role: Role): Promise<Served> {
  const child = await spawnChildServer(SELF, { SB_STREAM_ROLE: role });
  return {
    ...child,
    watch: (ids) => child.ask({ watch: ids }),
    emitted: async () => new Map(await child.ask<Array<[string, Array<[number, number]>]>>({ ask: 'emitted' })),
  };
}

if (process.env.SB_STREAM_ROLE && process.argv[1] === SELF) await serve(process.env.SB_STREAM_ROLE as Role);
