import type { SessionInfo, TokenEvent } from '../schemas/protocol.ts';
import { now, REPLY, spawnServer, TOKENS, type Served } from './stream-servers.ts';
import { WireClient } from './wire-client.ts';

/**
 * Token streaming at scale: 300 sessions each streaming a 200-token reply at 50 tokens/s, all at
 * once (15,000 tokens/s offered), over Socket.IO and over the OpenAI-compatible SSE endpoint,
 * each beside a bare server that sends the same tokens one event (or chunk) per token. Servers
 * run in child processes (stream-servers.ts); the clients run here. Part of group `runner`; runs
 * alone as group `stream`.
 */

const SESSIONS = 300;

/** Per session: when each delta arrived and the characters received so far. */
type Received = Map<string, Array<[number, number]>>;

interface Phase {
  cpuMsPerToken: number;
  tokens: number;
  received: Received;
  /** Wall ms from the sends to the last token. */
  wallMs: number;
}

async function measure(server: Served, tokens: number, run: () => Promise<Received>): Promise<Phase> {
  const cpu0 = await server.cpuMs();
  const t0 = now();
  const received = await run();
  const wallMs = now() - t0;
  const cpuMs = (await server.cpuMs()) - cpu0;
  for (const [id, got] of received)
    if (got.at(-1)?.[1] !== REPLY.length)
      throw new Error(`session ${id} received ${got.at(-1)?.[1] ?? 0} of ${REPLY.length} characters`);
  if (received.size !== SESSIONS) throw new Error(`${received.size} of ${SESSIONS} streams completed`);
  return { cpuMsPerToken: cpuMs / tokens, tokens, received, wallMs };
}

/** Socket.IO clients, one session each; `start` begins every stream at once. */
async function socketStreams(
  server: Served,
  open: (c: WireClient) => Promise<string>,
  start: (c: WireClient, id: string) => Promise<unknown>,
): Promise<{ run: () => Promise<Received>; ids: string[]; close(): void }> {
  const clients: WireClient[] = [];
  for (let i = 0; i < SESSIONS; i += 50)
    clients.push(
      ...(await Promise.all(Array.from({ length: Math.min(50, SESSIONS - i) }, () => WireClient.connect(server.url)))),
    );
  const ids = await Promise.all(clients.map(open));
  const run = async () => {
    const received: Received = new Map();
    await Promise.all(
      clients.map(
        (c, i) =>
          new Promise<void>((done, fail) => {
            const got: Array<[number, number]> = [];
            received.set(ids[i]!, got);
            c.on('token', (t) => got.push([now(), (got.at(-1)?.[1] ?? 0) + (t as TokenEvent).delta.length]));
            c.on('turn_end', () => done());
            start(c, ids[i]!).catch(fail);
          }),
      ),
    );
    return received;
  };
  return { run, ids, close: () => clients.forEach((c) => c.close()) };
}

async function sseStreams(url: string): Promise<Received> {
  const received: Received = new Map();
  await Promise.all(
    Array.from({ length: SESSIONS }, async (_, i) => {
      const got: Array<[number, number]> = [];
      received.set(String(i), got);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'bench-stream', stream: true, messages: [{ role: 'user', content: 'go' }] }),
      });
      if (!res.ok || !res.body) throw new Error(`SSE request failed: ${res.status} ${await res.text()}`);
      let buffer = '';
      for await (const bytes of res.body.pipeThrough(new TextDecoderStream())) {
        buffer += bytes;
        const events = buffer.split('\n\n');
        buffer = events.pop()!;
        for (const e of events) {
          if (!e.startsWith('data: {')) continue;
          const content = (JSON.parse(e.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]
            ?.delta.content;
          if (content) got.push([now(), (got.at(-1)?.[1] ?? 0) + content.length]);
        }
      }
    }),
  );
  return received;
}

/** ms from each token leaving the model to the delta that carried it arriving. */
function lags(emitted: Map<string, Array<[number, number]>>, received: Received): number[] {
  const out: number[] = [];
  for (const [id, sent] of emitted) {
    const got = received.get(id) ?? [];
    let j = 0;
    for (const [at, upTo] of sent) {
      while (j < got.length && got[j]![1] < upTo) j++;
      if (j < got.length) out.push(got[j]![0] - at);
    }
  }
  return out.sort((a, b) => a - b);
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  const tokens = SESSIONS * TOKENS;
  const runner = await spawnServer('runner');
  const bareIo = await spawnServer('bare-socketio');
  const bareSse = await spawnServer('bare-sse');
  try {
    const bareStreams = await socketStreams(
      bareIo,
      async () => crypto.randomUUID(),
      (c, id) => c.emitWithAck('stream', { sessionId: id }),
    );
    const bare = await measure(bareIo, tokens, bareStreams.run);
    bareStreams.close();
    log(
      `bare Socket.IO, one event per token: ${(bare.cpuMsPerToken * 1000).toFixed(1)} µs CPU/token, ${bare.wallMs.toFixed(0)} ms`,
    );

    const ours = await socketStreams(
      runner,
      async (c) =>
        (
          (await c.emitWithAck('session:create', { graphId: 'bench-stream', events: 'chat' })) as {
            session: SessionInfo;
          }
        ).session.id,
      (c, id) => c.emitWithAck('session:send', { sessionId: id, content: 'go' }),
    );
    await runner.watch(ours.ids);
    const streamed = await measure(runner, tokens, ours.run);
    ours.close();
    const emitted = await runner.emitted();
    const lag = lags(emitted, streamed.received);
    const firstEmit = Math.min(...[...emitted.values()].map((e) => e[0]![0]));
    const lastEmit = Math.max(...[...emitted.values()].map((e) => e.at(-1)![0]));
    const lastReceived = Math.max(...[...streamed.received.values()].map((r) => r.at(-1)![0]));
    const frames = [...streamed.received.values()].reduce((n, r) => n + r.length, 0);
    log(
      `runner over Socket.IO: ${(streamed.cpuMsPerToken * 1000).toFixed(1)} µs CPU/token, ${(tokens / frames).toFixed(1)} tokens/frame, lag p50 ${quantile(lag, 0.5).toFixed(1)} ms, ${streamed.wallMs.toFixed(0)} ms`,
    );

    const bareSsePhase = await measure(bareSse, tokens, () => sseStreams(bareSse.url));
    const sse = await measure(runner, tokens, () => sseStreams(runner.url));
    log(
      `SSE: bare ${(bareSsePhase.cpuMsPerToken * 1000).toFixed(1)} µs CPU/token, runner ${(sse.cpuMsPerToken * 1000).toFixed(1)}`,
    );

    return {
      stream_cpu_ratio_vs_bare: streamed.cpuMsPerToken / bare.cpuMsPerToken,
      stream_token_lag_p99_ms: quantile(lag, 0.99),
      stream_tokens_per_s: (tokens / (lastReceived - firstEmit)) * 1000,
      stream_tokens_offered_per_s: (tokens / (lastEmit - firstEmit)) * 1000,
      stream_server_cpu_us_per_token: streamed.cpuMsPerToken * 1000,
      bare_socketio_cpu_us_per_token: bare.cpuMsPerToken * 1000,
      sse_cpu_ratio_vs_bare: sse.cpuMsPerToken / bareSsePhase.cpuMsPerToken,
      sse_server_cpu_us_per_token: sse.cpuMsPerToken * 1000,
      bare_sse_cpu_us_per_token: bareSsePhase.cpuMsPerToken * 1000,
    };
  } finally {
    await Promise.all([runner.stop(), bareIo.stop(), bareSse.stop()]);
  }
}
