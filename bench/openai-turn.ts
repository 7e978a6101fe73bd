import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import type { SessionInfo } from '../schemas/protocol.ts';
import { startFakeOpenAI } from '../test/helpers/fake-openai-server.ts';
import { echoGraph } from '../test/hardening/fixtures/graphs.ts';
import { answerCpu, listening, serveRunner, spawnChildServer, type ChildServer } from './child-server.ts';
import { WireClient } from './wire-client.ts';

/**
 * The real model path: a turn through the `openai` model client against a local fake
 * OpenAI-compatible server, beside the same completion requested with the same HTTP client (the
 * `openai` package) and nothing else. Three children: the fake server, the raw client, the
 * runner (embedded store, turns over Socket.IO from clients here). Measured, not yet optimised.
 */

const SELF = fileURLToPath(import.meta.url);
const CONCURRENCY = 100;
const WARMUP_MS = 2000;
const WINDOW_MS = 5000;
const SYSTEM = 'You answer in one short sentence.';

const graphOf = (baseUrl: string) =>
  echoGraph('bench-openai', {
    models: [{ id: 'script', provider: 'openai', model: 'fake-model', baseUrl, maxRetries: 0 }],
    agents: [
      {
        id: 'echo',
        type: 'echo',
        kind: 'assistant',
        config: { model: 'script', stream: false, systemMessage: SYSTEM },
      },
    ],
  });

async function serve(role: string): Promise<void> {
  answerCpu();
  if (role === 'fake') {
    const fake = await startFakeOpenAI();
    // Kept requests would grow for the whole run.
    setInterval(() => (fake.requests.length = 0), 1000).unref();
    listening(fake.baseURL);
    return;
  }
  const fakeUrl = process.env.SB_FAKE_URL!;
  if (role === 'raw') {
    const client = new OpenAI({ apiKey: 'bench', baseURL: fakeUrl, organization: null, project: null, maxRetries: 0 });
    process.on('message', (m: { loop?: number }) => {
      if (!m.loop) return;
      void closedLoop(m.loop, () =>
        client.chat.completions.create({
          model: 'fake-model',
          stream: false,
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: 'question 1' },
          ],
        }),
      ).then((n) => process.send?.(n));
    });
    listening('raw');
    return;
  }
  await serveRunner(graphOf(fakeUrl));
}

/** Runs `step` on CONCURRENCY loops for `ms`; resolves with the steps completed. */
async function closedLoop(ms: number, step: (i: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      while (performance.now() < until) {
        await step(i);
        done++;
      }
    }),
  );
  return done;
}

/** CPU µs of `server` per step of `loop`, after a warm-up. */
async function cpuPerStep(
  server: ChildServer,
  loop: (ms: number) => Promise<number>,
): Promise<{ us: number; perSecond: number }> {
  await loop(WARMUP_MS);
  const cpu0 = await server.cpuMs();
  const steps = await loop(WINDOW_MS);
  const cpuMs = (await server.cpuMs()) - cpu0;
  return { us: (cpuMs * 1000) / steps, perSecond: (steps / WINDOW_MS) * 1000 };
}

export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  const fake = await spawnChildServer(SELF, { SB_OPENAI_ROLE: 'fake' });
  const raw = await spawnChildServer(SELF, { SB_OPENAI_ROLE: 'raw', SB_FAKE_URL: fake.url });
  const runner = await spawnChildServer(SELF, {
    SB_OPENAI_ROLE: 'runner',
    SB_FAKE_URL: fake.url,
    OPENAI_API_KEY: 'bench',
  });
  try {
    const bare = await cpuPerStep(raw, (ms) => raw.ask<number>({ loop: ms }));
    const clients = await Promise.all(Array.from({ length: CONCURRENCY }, () => WireClient.connect(runner.url)));
    const ids = await Promise.all(
      clients.map(
        async (c) =>
          (
            (await c.emitWithAck('session:create', { graphId: 'bench-openai', events: 'chat' })) as {
              session: SessionInfo;
            }
          ).session.id,
      ),
    );
    let n = 0;
    const turn = (i: number) =>
      new Promise<void>((done, fail) => {
        clients[i]!.on('turn_end', () => done());
        clients[i]!.emitWithAck('session:send', { sessionId: ids[i], content: `question ${n++}` }).catch(fail);
      });
    const ours = await cpuPerStep(runner, (ms) => closedLoop(ms, turn));
    for (const c of clients) c.close();
    log(
      `openai turn: runner ${ours.us.toFixed(0)} µs CPU/turn (${ours.perSecond.toFixed(0)} turns/s); raw request ${bare.us.toFixed(0)} µs (${bare.perSecond.toFixed(0)}/s)`,
    );
    return {
      openai_turn_cpu_ratio_vs_raw_http: ours.us / bare.us,
      openai_turn_server_cpu_us: ours.us,
      openai_raw_request_cpu_us: bare.us,
    };
  } finally {
    await Promise.all([fake.stop(), raw.stop(), runner.stop()]);
  }
}

if (process.env.SB_OPENAI_ROLE && process.argv[1] === SELF) await serve(process.env.SB_OPENAI_ROLE);
