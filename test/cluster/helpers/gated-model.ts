/**
 * An OpenAI-compatible model server whose answers the test lets through: while `hold` is on,
 * every chat completion waits until `releaseAll()`. That is how a test catches a runner in the
 * middle of a turn (to kill or stop it) without any sleep. Non-streaming completions only.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedModel {
  readonly baseURL: string;
  /** Requests received so far. */
  readonly received: number;
  hold: boolean;
  releaseAll(): void;
  /** Resolves once `n` requests in total have arrived (bounded). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startGatedModel(): Promise<GatedModel> {
  const held: Array<() => void> = [];
  let received = 0;
  const waiters: Array<() => void> = [];

  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    received += 1;
    for (const wake of waiters.splice(0)) wake();
    const body = JSON.parse(raw || '{}') as { model?: string; messages?: Array<{ role: string; content: string }> };
    const lastUser = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
    const answer = () => reply(res, body.model ?? 'gated', `done: ${lastUser}`);
    if (gate.hold) held.push(answer);
    else answer();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;

  const gate: GatedModel = {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get received() {
      return received;
    },
    hold: false,
    releaseAll: () => {
      for (const answer of held.splice(0)) answer();
    },
    async waitForRequests(n, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (received < n) {
        if (Date.now() > until)
          throw new Error(`the model got ${received} requests, expected ${n}, within ${timeoutMs} ms`);
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, 200);
        });
      }
    },
    async close() {
      gate.hold = false;
      gate.releaseAll();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
  return gate;
}

function reply(res: ServerResponse, model: string, content: string): void {
  if (res.destroyed) return;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: `chatcmpl-gated-${Date.now()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    }),
  );
}
