import { randomUUID } from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Graph } from '../../schemas/graph.ts';
import { Id } from '../../schemas/ids.ts';
import type { MessageEvent, ServerEventName, ServerEvents, SessionInfo, TurnEndReason, Usage } from '../../schemas/protocol.ts';
import { invalid, notFound } from '../errors.ts';
import type { Caller, Sessions } from '../sessions/types.ts';
import type { GraphStore } from '../store/types.ts';
import { callerOf } from './auth.ts';
import { methodNotAllowed } from './http-errors.ts';
import { sessionIdParam } from './params.ts';

/**
 * OpenAI-compatible chat completions: `model` is a graph id, the session comes from the
 * `x-switchboard-session` header (or is created and returned in it), the last user message
 * goes into the session and the turn's output-topic messages come back.
 */
export const SESSION_HEADER = 'x-switchboard-session';

const ContentPart = z.object({ type: z.string(), text: z.string().optional() }).loose();
const ChatMessage = z.object({ role: z.string(), content: z.union([z.string(), z.array(ContentPart), z.null()]).optional() }).loose();
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

type Listener = <E extends ServerEventName>(event: E, payload: ServerEvents[E]) => void;

/** What one completion saw of its turn. */
interface TurnWatch {
  outputs: string[];
  end?: TurnEndReason;
  question?: PendingQuestion;
  /** Called when a `user` agent asks: the request answers with the question and returns. */
  onQuestion?: () => void;
}
interface PendingQuestion { requestId: string; turnId: string; prompt: string }

export function openaiRouter(graphs: GraphStore, sessions: Sessions): Router {
  const router = Router();
  /** A `user` agent's open question per session: the next chat message answers it. */
  const pendingInput = new Map<string, PendingQuestion>();

  router
    .route('/models')
    .get(async (req, res) => {
      const { tenant } = callerOf(req);
      const newest = new Map<string, { id: string; created: number }>();
      for (const g of await graphs.listGraphs(tenant)) {
        if (g.draft) continue;
        const seen = newest.get(g.id);
        if (!seen || seen.created < g.updatedAt) newest.set(g.id, { id: g.id, created: g.updatedAt });
      }
      res.json({
        object: 'list',
        data: [...newest.values()].map((g) => ({ id: g.id, object: 'model', created: Math.floor(g.created / 1000), owned_by: tenant })),
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
      const graph = (await graphs.getGraph(caller.tenant, info.graphId, info.graphVersion))?.graph;
      const streamedAgents = graph ? outputOnlyAgents(graph) : new Set<string>();

      const watch: TurnWatch = { outputs: [] };
      let turnId: string | undefined;
      let stream: ChunkWriter | undefined;
      const early: Array<[ServerEventName, unknown]> = [];
      const tokenMessages = new Set<string>();

      const handle = (event: ServerEventName, payload: unknown) => {
        const p = payload as { turnId?: string };
        if (p.turnId !== turnId) return;
        if (event === 'message') {
          const m = payload as MessageEvent;
          if (!m.output || m.sender === 'user') return;
          watch.outputs.push(m.content);
          if (stream && !tokenMessages.has(m.id)) stream.text(m.content, true);
        } else if (event === 'token' && stream) {
          const t = payload as ServerEvents['token'];
          if (!streamedAgents.has(t.agent)) return;
          const first = !tokenMessages.has(t.messageId);
          tokenMessages.add(t.messageId);
          stream.text(t.delta, first);
        } else if (event === 'turn_end') {
          watch.end = (payload as ServerEvents['turn_end']).reason;
        } else if (event === 'input_request') {
          const r = payload as ServerEvents['input_request'];
          watch.question = { requestId: r.requestId, turnId: r.turnId, prompt: r.prompt };
          watch.onQuestion?.();
        }
      };
      const listener: Listener = (event, payload) => {
        if (turnId === undefined) early.push([event, payload]);
        else handle(event, payload);
      };

      const unsubscribe = await sessions.subscribe(caller, info.id, listener);
      try {
        if (body.stream) stream = new ChunkWriter(res, body.model, body.stream_options?.include_usage === true);
        const usageBefore = info.usage;
        const waiting = pendingInput.get(info.id);
        if (waiting && info.state === 'waiting_input') {
          pendingInput.delete(info.id);
          turnId = waiting.turnId;
          await sessions.reply(caller, info.id, waiting.requestId, content);
        } else {
          pendingInput.delete(info.id);
          turnId = (await sessions.send(caller, info.id, { content })).turnId;
        }
        for (const [event, payload] of early.splice(0)) handle(event, payload);
        await turnOrQuestion(sessions, caller, info.id, watch);
        if (watch.question && !watch.end) {
          pendingInput.set(info.id, watch.question);
          watch.outputs.push(watch.question.prompt);
          stream?.text(watch.question.prompt, true);
        }
        const after = await sessions.get(caller, info.id);
        const usage = usageDelta(usageBefore, after.usage);
        const finish = watch.end === 'max_messages' || watch.end === 'token_budget' ? 'length' : 'stop';
        if (stream) {
          stream.finish(finish, usage);
          return;
        }
        res.json({
          id: `chatcmpl-${turnId ?? randomUUID()}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: joinOutputs(watch.outputs) }, finish_reason: finish, logprobs: null }],
          usage,
        });
      } catch (err) {
        if (!stream) throw err;
        stream.fail(err);
      } finally {
        unsubscribe();
      }
    })
    .all(methodNotAllowed(['POST']));

  async function sessionFor(caller: Caller, body: ChatBody, header: string | undefined): Promise<SessionInfo> {
    if (header) {
      const info = await sessions.get(caller, sessionIdParam(header));
      if (info.graphId !== body.model) throw invalid(`session ${info.id} runs graph "${info.graphId}", not "${body.model}"`, { field: 'model' });
      return info;
    }
    if (!(await graphs.getGraph(caller.tenant, body.model))) throw notFound('model (graph)', body.model);
    const user = caller.user ?? body.user;
    return sessions.create(user ? { ...caller, user } : caller, { graphId: body.model });
  }

  return router;
}

/** Resolves when the turn ends or a `user` agent asks a question this request cannot answer. */
function turnOrQuestion(sessions: Sessions, caller: Caller, id: string, watch: TurnWatch): Promise<void> {
  if (watch.question) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    watch.onQuestion = resolve;
    sessions.settled(caller, id).then(resolve, reject);
  });
}

function lastUserText(body: ChatBody): string {
  const last = [...body.messages].reverse().find((m) => m.role === 'user');
  if (!last) throw invalid('messages need at least one "user" message', { field: 'messages' });
  const text = typeof last.content === 'string' ? last.content : (last.content ?? []).map((p) => p.text ?? '').join('');
  if (!text.trim()) throw invalid('the last user message is empty', { field: 'messages' });
  return text;
}

/** Agents whose every publication is an output topic: their tokens are the answer as it forms. */
function outputOnlyAgents(graph: Graph): Set<string> {
  const outputs = new Set(graph.output);
  const byId = new Map(graph.agents.map((a) => [a.id, a.type]));
  const publishes = new Map<string, boolean>();
  for (const p of graph.publications) publishes.set(p.agent, (publishes.get(p.agent) ?? true) && outputs.has(p.topic));
  return new Set([...publishes].filter(([, only]) => only).map(([id]) => byId.get(id)).filter((t): t is string => !!t));
}

function joinOutputs(outputs: string[]): string {
  return outputs.join('\n\n');
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
  private wroteAny = false;

  constructor(
    private readonly res: Response,
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {
    res.status(200).setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Connection', 'keep-alive');
    res.flushHeaders();
    this.write({ role: 'assistant', content: '' }, null);
  }

  /** `newMessage` separates consecutive output messages the way the non-streaming reply joins them. */
  text(delta: string, newMessage: boolean): void {
    const prefix = newMessage && this.wroteAny ? '\n\n' : '';
    this.wroteAny = true;
    this.write({ content: prefix + delta }, null);
  }

  finish(reason: 'stop' | 'length', usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }): void {
    this.write({}, reason);
    if (this.includeUsage) this.send({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage });
    this.res.end('data: [DONE]\n\n');
  }

  fail(err: unknown): void {
    const e = err as { code?: string; message?: string };
    this.send({ error: { code: e.code ?? 'internal', message: e.message ?? 'internal error' } });
    this.res.end('data: [DONE]\n\n');
  }

  private write(delta: Record<string, unknown>, finish: string | null): void {
    this.send({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  }

  private send(data: unknown): void {
    if (!this.res.writableEnded) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }
}
