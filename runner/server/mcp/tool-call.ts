import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  ElicitResultSchema,
  ErrorCode,
  McpError,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { SessionInfo, TurnEndReason } from '../../../schemas/protocol.ts';
import { AppError } from '../../errors.ts';
import type { Sessions } from '../../sessions/types.ts';
import type { GraphStore } from '../../store/types.ts';
import { answerStream } from '../answer-stream.ts';
import { runChatTurn, type OpenQuestion, type TurnResult } from '../chat-turn.ts';
import { sessionIdParam } from '../params.ts';
import { problemsOf } from '../problems.ts';
import { runnableGraphs } from '../runnable-graphs.ts';
import { streamedAgents } from '../streamed-agents.ts';
import { MESSAGE_SEPARATOR, turnText } from '../turn-text.ts';
import type { McpSession } from './mcp-sessions.ts';

/**
 * One `tools/call`: one turn of the graph the tool is named after, in the conversation this MCP
 * session holds for that graph (or the session the caller names).
 */
export interface ToolCallDeps {
  store: GraphStore;
  sessions: Sessions;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const Arguments = z.strictObject({ message: z.string().min(1, 'must not be empty'), session: z.string().optional() });

/** Endings that are not the team's answer: the result is marked as a tool error. */
const FAILED = new Set<TurnEndReason>(['timeout', 'aborted', 'input_timeout', 'error']);

export async function callGraphTool(
  deps: ToolCallDeps,
  mcp: McpSession,
  name: string,
  args: unknown,
  extra: Extra,
  canElicit: boolean,
): Promise<CallToolResult> {
  const { sessions } = deps;
  const caller = mcp.caller;
  const stored = (await runnableGraphs(deps.store, caller.tenant)).find((g) => g.id === name);
  if (!stored)
    throw new McpError(
      ErrorCode.InvalidParams,
      `unknown tool "${name}": this tenant has no runnable graph with that id`,
    );
  const parsed = Arguments.safeParse(args ?? {});
  if (!parsed.success) {
    const problems = problemsOf(parsed.error);
    throw new McpError(
      ErrorCode.InvalidParams,
      `invalid arguments for "${name}": ${problems.map((p) => `${p.path || '(arguments)'}: ${p.message}`).join('; ')}`,
      { problems },
    );
  }
  const session = await conversation(deps, mcp, name, parsed.data.session);
  const progress = progressSender(extra);
  const answer = progress ? answerStream(streamedAgents(stored.graph), progress) : undefined;
  const abort = () => void sessions.abort(caller, session.id).catch(() => undefined);
  extra.signal.addEventListener('abort', abort, { once: true });
  mcp.calls++;
  let turn: TurnResult;
  try {
    turn = await runChatTurn(sessions, caller, session, parsed.data.message, {
      ...(answer ? { onOutput: answer.onOutput, onToken: answer.onToken } : {}),
      ...(canElicit ? { ask: (q: OpenQuestion) => elicit(extra, q) } : {}),
    });
  } finally {
    extra.signal.removeEventListener('abort', abort);
    mcp.calls--;
    mcp.lastSeen = Date.now();
  }
  if (turn.question) answer?.question(turn.question, turn.outputs);
  const failed = turn.end && FAILED.has(turn.end.reason);
  const ending = failed
    ? `The turn ended early (${turn.end!.reason}${turn.end!.detail ? `: ${turn.end!.detail}` : ''}).`
    : '';
  const text = [turnText(turn.outputs, turn.question), ending].filter(Boolean).join(MESSAGE_SEPARATOR);
  return {
    content: [{ type: 'text', text }],
    structuredContent: { session: session.id, waitingForAnswer: turn.question !== undefined },
    ...(failed ? { isError: true } : {}),
  };
}

/** The Switchboard session a call runs in: the one named, the one this MCP session holds, or a new one. */
async function conversation(
  { sessions }: ToolCallDeps,
  mcp: McpSession,
  graphId: string,
  named: string | undefined,
): Promise<SessionInfo> {
  const caller = mcp.caller;
  if (named !== undefined) {
    const info = await asInvalidParams(async () => sessions.get(caller, sessionIdParam(named)));
    if (info.graphId !== graphId)
      throw new McpError(ErrorCode.InvalidParams, `session ${info.id} runs graph "${info.graphId}", not "${graphId}"`);
    mcp.conversations.set(graphId, info.id);
    return info;
  }
  const held = mcp.conversations.get(graphId);
  if (held) {
    // Deleted or expired by retention since the last call: a new conversation starts.
    const info = await sessions
      .get(caller, held)
      .catch((e: unknown) => (e instanceof AppError && e.status === 404 ? undefined : Promise.reject(e)));
    if (info) return info;
  }
  const info = await sessions.create(caller, { graphId });
  mcp.conversations.set(graphId, info.id);
  return info;
}

/** A session the caller names wrongly (malformed, unknown, another tenant's) is a bad argument. */
async function asInvalidParams<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof AppError && e.status < 500)
      throw new McpError(ErrorCode.InvalidParams, `argument "session": ${e.message}`);
    throw e;
  }
}

/** Progress notifications carrying the answer as it forms, when the client sent a progress token. */
function progressSender(extra: Extra): ((delta: string) => void) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let sent = 0;
  return (delta) => {
    // Progress must grow with every notification.
    if (!delta) return;
    sent += delta.length;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: sent, message: delta },
      })
      .catch(() => undefined);
  };
}

/** Asks the person through the client's elicitation form; no answer leaves the question open. */
async function elicit(extra: Extra, question: OpenQuestion): Promise<string | undefined> {
  try {
    const result = await extra.sendRequest(
      {
        method: 'elicitation/create',
        params: {
          message: question.prompt,
          requestedSchema: {
            type: 'object',
            properties: { answer: { type: 'string', title: 'Answer', description: 'Your answer to the team.' } },
            required: ['answer'],
          },
        },
      },
      ElicitResultSchema,
      { timeout: question.timeoutMs, signal: extra.signal },
    );
    const answer = result.action === 'accept' ? result.content?.answer : undefined;
    return typeof answer === 'string' && answer.length > 0 ? answer : undefined;
  } catch {
    return undefined;
  }
}
