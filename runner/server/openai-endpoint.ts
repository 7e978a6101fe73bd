import { randomUUID } from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { Id } from '../../schemas/ids.ts';
import type { SessionInfo, Usage } from '../../schemas/protocol.ts';
import { invalid, notFound } from '../errors.ts';
import { creatorFor } from '../sessions/access.ts';
import type { Caller, Sessions } from '../sessions/types.ts';
import type { GraphStore } from '../store/types.ts';
import { withTraceContext } from '../telemetry/propagation.ts';
import { answerStream } from './answer-stream.ts';
import { callerOf } from './auth.ts';
import { DeltaWindows, type DeltaWindow } from './delta-window.ts';
import { runChatTurn } from './chat-turn.ts';
import { methodNotAllowed } from './http-errors.ts';
import { sessionIdParam } from './params.ts';
import { runnableGraphs } from './runnable-graphs.ts';
import { streamedAgents } from './streamed-agents.ts';
import { turnText } from './turn-text.ts';

/**
 * OpenAI-compatible chat completions: `model` is a graph id, the session comes from the
 * `x-switchboard-session` header (or is created and returned in it), the last user message
 * goes into the session and the turn's output-topic messages come back.
 */
export const SESSION_HEADER = 'x-switchboard-session';

const ContentPart = z.object({ type: z.string(), text: z.string().optional() }).loose();
const ChatMessage = z
  .object({ role: z.string(), content: z.union([z.string(), z.array(ContentPart), z.null()]).optional() })
  .loose();
/** Sampling fields (temperature…) are accepted and ignored: the graph decides how its models run. */
const ChatBody = z
  .object({
    model: Id,
    messages: z.array(ChatMessage).min(1, 'needs at least one message').max(10_000),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullish(),
    user: z.string().max(200).optional(),
  })
  .loose();
type ChatBody = z.infer<typeof ChatBody>;

/** `tokenWindowMs`: streamed tokens within it go out as one chunk (config.tokenWindowMs). */
export function openaiRouter(store: GraphStore, sessions: Sessions, tokenWindowMs = 0): Router {
  const router = Router();
  const windows = new DeltaWindows(tokenWindowMs);

  router
    .route('/models')
    .get(async (req, res) => {
      const { tenant } = callerOf(req);
      const graphs = await runnableGraphs(store, tenant);
      res.json({
        object: 'list',
        data: graphs.map((g) => ({
          id: g.id,
          object: 'model',
          created: Math.floor(g.updatedAt / 1000),
          owned_by: tenant,
        })),
      });
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/chat/completions')
    .post(async (req, res) => {
      const caller = callerOf(req);
      const body = ChatBody.parse(req.body);
      const content = lastUserText(body);
      const info = await sessionFor(caller, body, req.header(SESSION_HEADER));
      res.setHeader(SESSION_HEADER, info.id);
      const streamed = streamedAgents((await store.getGraph(caller.tenant, info.graphId, info.graphVersion))?.graph);
      const stream = body.stream
        ? new ChunkWriter(res, body.model, body.stream_options?.include_usage === true, windows)
        : undefined;
      const answer = stream ? answerStream(streamed, (delta, token) => stream.text(delta, token)) : undefined;
      try {
        const turn = await withTraceContext(req.headers, () =>
          runChatTurn(sessions, caller, info, content, answer ?? {}),
        );
        if (turn.question) answer?.question(turn.question, turn.outputs);
        const after = await sessions.get(caller, info.id);
        const usage = usageDelta(info.usage, after.usage);
        const finish = turn.end?.reason === 'max_messages' || turn.end?.reason === 'token_budget' ? 'length' : 'stop';
        if (stream) {
          stream.finish(finish, usage);
          return;
        }
        res.json({
          id: `chatcmpl-${turn.turnId}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: turnText(turn.outputs, turn.question) },
              finish_reason: finish,
              logprobs: null,
            },
          ],
          usage,
        });
      } catch (err) {
        if (!stream) throw err;
        stream.fail(err);
      }
    })
    .all(methodNotAllowed(['POST']));

  async function sessionFor(caller: Caller, body: ChatBody, header: string | undefined): Promise<SessionInfo> {
    if (header) {
      const info = await sessions.get(caller, sessionIdParam(header));
      if (info.graphId !== body.model)
        throw invalid(`session ${info.id} runs graph "${info.graphId}", not "${body.model}"`, { field: 'model' });
      return info;
    }
    if (!(await store.getGraph(caller.tenant, body.model))) throw notFound('model (graph)', body.model);
    return sessions.create(creatorFor(caller, body.user), { graphId: body.model });
  }

  return router;
}

function lastUserText(body: ChatBody): string {
  const last = [...body.messages].reverse().find((m) => m.role === 'user');
  if (!last) throw invalid('messages need at least one "user" message', { field: 'messages' });
  const text = typeof last.content === 'string' ? last.content : (last.content ?? []).map((p) => p.text ?? '').join('');
  if (!text.trim()) throw invalid('the last user message is empty', { field: 'messages' });
  return text;
}

function usageDelta(before: Usage, after: Usage) {
  const prompt = Math.max(0, after.promptTokens - before.promptTokens);
  const completion = Math.max(0, after.completionTokens - before.completionTokens);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Writes OpenAI `chat.completion.chunk` events as server-sent events. */
class ChunkWriter {
  private readonly id = `chatcmpl-${randomUUID()}`;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly deltas: DeltaWindow;
  /** A content chunk's JSON around its delta, encoded once: a stream writes many of them. */
  private readonly content: [string, string];

  constructor(
    private readonly res: Response,
    private readonly model: string,
    private readonly includeUsage: boolean,
    windows: DeltaWindows,
  ) {
    const [before, after] = JSON.stringify(this.chunk({ content: '\u0000' }, null)).split('"\\u0000"') as [
      string,
      string,
    ];
    this.content = [`data: ${before}`, `${after}\n\n`];
    this.deltas = windows.open((delta) => this.writeContent(delta));
    res.status(200).setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Connection', 'keep-alive');
    res.flushHeaders();
    this.write({ role: 'assistant', content: '' }, null);
  }

  /** Tokens are coalesced over the window; whole messages go out at once. */
  text(delta: string, token: boolean): void {
    if (token) this.deltas.hold(delta);
    else this.deltas.now(delta);
  }

  finish(
    reason: 'stop' | 'length',
    usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number },
  ): void {
    this.deltas.flush();
    this.write({}, reason);
    if (this.includeUsage)
      this.send({
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [],
        usage,
      });
    this.res.end('data: [DONE]\n\n');
  }

  fail(err: unknown): void {
    this.deltas.flush();
    const e = err as { code?: string; message?: string };
    this.send({ error: { code: e.code ?? 'internal', message: e.message ?? 'internal error' } });
    this.res.end('data: [DONE]\n\n');
  }

  private chunk(delta: Record<string, unknown>, finish: string | null) {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    };
  }

  private write(delta: Record<string, unknown>, finish: string | null): void {
    this.send(this.chunk(delta, finish));
  }

  private writeContent(delta: string): void {
    if (!this.res.writableEnded) this.res.write(this.content[0] + JSON.stringify(delta) + this.content[1]);
  }

  private send(data: unknown): void {
    if (!this.res.writableEnded) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }
}
