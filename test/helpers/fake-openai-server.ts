/**
 * A local OpenAI-compatible server for tests: POST /v1/chat/completions, streaming (SSE) and not.
 *
 *   const fake = await startFakeOpenAI();
 *   const client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'test' });
 *   fake.enqueue({ status: 429, retryAfterMs: 5 }, { content: 'hello' }); // next two requests
 *   ...
 *   fake.requests;  // every request received: body and headers
 *   await fake.close();
 *
 * Each request takes the next queued behaviour; when the queue is empty it gets `fallback(request)`
 * (by default an echo of the last user message). Binds 127.0.0.1 on a free port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chunkClock } from '../../runner/models/stream-pace.ts';

export interface FakeToolCall {
  id?: string;
  name: string;
  /** Sent as is, so a test can send malformed JSON. */
  arguments: string;
}

/** A normal completion. */
export interface FakeReply {
  content?: string;
  toolCalls?: FakeToolCall[];
  /** Reported usage; `null` leaves usage out of the response. Default: 10 prompt, 5 completion. */
  usage?: { promptTokens: number; completionTokens: number } | null;
  /** Characters per streamed content chunk (default 3). */
  chunkSize?: number;
  /** Stream at this many chunks a second, like a real model; default: all at once. */
  chunksPerSecond?: number;
  /** finish_reason to answer with; default tool_calls with tool calls, else stop. */
  finishReason?: string;
}

/** An HTTP error status, with optional Retry-After headers the client must honour. */
export interface FakeError {
  status: number;
  message?: string;
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number;
  /** Milliseconds, sent as `retry-after-ms` (keeps retrying tests fast). */
  retryAfterMs?: number;
}

/** Never answers (the request stays open until the client gives up or the server closes). */
export interface FakeHang {
  hang: true;
}

/**
 * Streams part of `reply` and then breaks off: `end` closes the response cleanly without a finish
 * reason or [DONE], `destroy` cuts the socket, `stall` keeps the connection open and silent.
 * Non-streaming requests get the same treatment before any body is sent.
 */
export interface FakeTruncate {
  truncate: 'end' | 'destroy' | 'stall';
  reply: FakeReply;
  afterChunks?: number;
}

export type FakeBehaviour = FakeReply | FakeError | FakeHang | FakeTruncate;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body (undefined when it was not JSON). */
  body: any;
}

export interface FakeOpenAI {
  /** Base URL to give an OpenAI client, ending in /v1. */
  readonly baseURL: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Queues behaviours for the next requests, in order. */
  enqueue(...behaviours: FakeBehaviour[]): void;
  /** Behaviour used when the queue is empty. */
  fallback: (request: RecordedRequest) => FakeBehaviour;
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
}

const lastUserText = (body: any): string => {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]?.role === 'user') return String(messages[i].content ?? '');
  return '';
};

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const queue: FakeBehaviour[] = [];
  const requests: RecordedRequest[] = [];
  let counter = 0;

  const fake: FakeOpenAI = {
    baseURL: '',
    port: 0,
    requests,
    enqueue: (...b) => void queue.push(...b),
    fallback: (req) => ({ content: `echo: ${lastUserText(req.body)}` }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0];
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body };
    requests.push(recorded);

    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`)
      return sendError(res, { status: 401, message: 'Incorrect API key provided' });
    if (req.method === 'GET' && path === '/v1/models')
      return sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }],
      });
    if (req.method !== 'POST' || path !== '/v1/chat/completions')
      return sendError(res, { status: 404, message: `no route ${req.method} ${path}` });
    if (!body || !Array.isArray(body.messages)) return sendError(res, { status: 400, message: 'messages: required' });

    const behaviour = queue.shift() ?? fake.fallback(recorded);
    const id = `chatcmpl-fake-${++counter}`;
    if ('hang' in behaviour) return;
    if ('status' in behaviour) return sendError(res, behaviour);
    const stream = body.stream === true;
    const includeUsage = body.stream_options?.include_usage === true;
    if ('truncate' in behaviour) return truncate(res, behaviour, id, body.model, stream);
    if (stream) return streamReply(res, behaviour, id, body.model, includeUsage);
    return sendJson(res, 200, completion(behaviour, id, body.model));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(fake, { port, baseURL: `http://127.0.0.1:${port}/v1` });
  return fake;
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

function sendError(res: ServerResponse, e: FakeError) {
  const headers: Record<string, string> = {};
  if (e.retryAfter !== undefined) headers['retry-after'] = String(e.retryAfter);
  if (e.retryAfterMs !== undefined) headers['retry-after-ms'] = String(e.retryAfterMs);
  sendJson(
    res,
    e.status,
    { error: { message: e.message ?? `fake error ${e.status}`, type: 'fake_error', code: null } },
    headers,
  );
}

const finishReason = (r: FakeReply) => r.finishReason ?? (r.toolCalls?.length ? 'tool_calls' : 'stop');
const toolCallId = (c: FakeToolCall, i: number) => c.id ?? `call_fake_${i + 1}`;
const usageOf = (r: FakeReply) =>
  r.usage === null
    ? undefined
    : {
        prompt_tokens: r.usage?.promptTokens ?? 10,
        completion_tokens: r.usage?.completionTokens ?? 5,
        total_tokens: (r.usage?.promptTokens ?? 10) + (r.usage?.completionTokens ?? 5),
      };

function completion(r: FakeReply, id: string, model: string) {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: r.content ?? (r.toolCalls?.length ? null : ''),
          refusal: null,
          ...(r.toolCalls?.length
            ? {
                tool_calls: r.toolCalls.map((c, i) => ({
                  id: toolCallId(c, i),
                  type: 'function',
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        },
        finish_reason: finishReason(r),
        logprobs: null,
      },
    ],
    ...(usageOf(r) ? { usage: usageOf(r) } : {}),
  };
}

/** The SSE chunks of a streamed reply, without the closing usage chunk and [DONE]. */
function replyChunks(r: FakeReply, id: string, model: string): unknown[] {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: unknown, finish: string | null = null) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });
  const out: unknown[] = [chunk({ role: 'assistant', content: '' })];
  const size = r.chunkSize ?? 3;
  const content = r.content ?? '';
  for (let i = 0; i < content.length; i += size) out.push(chunk({ content: content.slice(i, i + size) }));
  (r.toolCalls ?? []).forEach((c, index) => {
    out.push(
      chunk({
        tool_calls: [{ index, id: toolCallId(c, index), type: 'function', function: { name: c.name, arguments: '' } }],
      }),
    );
    const half = Math.ceil(c.arguments.length / 2);
    for (const part of [c.arguments.slice(0, half), c.arguments.slice(half)])
      if (part) out.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
  });
  out.push(chunk({}, finishReason(r)));
  return out;
}

const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };

async function streamReply(res: ServerResponse, r: FakeReply, id: string, model: string, includeUsage: boolean) {
  res.writeHead(200, sseHeaders);
  const nextChunk = r.chunksPerSecond ? chunkClock({ tokensPerSecond: r.chunksPerSecond, chunkTokens: 1 }) : undefined;
  for (const c of replyChunks(r, id, model)) {
    await nextChunk?.();
    if (res.destroyed) return;
    res.write(sse(c));
  }
  const usage = usageOf(r);
  if (includeUsage && usage)
    res.write(sse({ id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage }));
  res.end('data: [DONE]\n\n');
}

function truncate(res: ServerResponse, t: FakeTruncate, id: string, model: string, stream: boolean) {
  if (stream) {
    res.writeHead(200, sseHeaders);
    const chunks = replyChunks(t.reply, id, model);
    // Never the finish chunk: the point is a reply that does not complete.
    for (const c of chunks.slice(0, Math.min(t.afterChunks ?? 2, chunks.length - 1))) res.write(sse(c));
  }
  if (t.truncate === 'end') res.end();
  // Cut only once what was written has left, so the client sees a reply that breaks off.
  else if (t.truncate === 'destroy') res.write('', () => res.socket?.destroy());
}
