import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { AssistantAgent as AssistantNode } from '../../schemas/kinds/index.ts';
import { assistantToolbox, callMcpTool } from '../mcp/agent-tools.ts';
import type { ChatResult, ModelMessage } from '../models/types.ts';
import { traceToolCall } from '../telemetry/tool-span.ts';
import { runTool, toolSpecs, type ToolContext } from '../tools/index.ts';
import { GraphAgent, type Turn } from './base.ts';
import type { ChatMessage } from './message.ts';

type AssistantDef = z.output<typeof AssistantNode>;

interface AssistantState {
  /** The last `contextWindow` messages this instance saw or wrote (tool exchanges are not kept). */
  history: ModelMessage[];
  /** Replies written in this session: the model's "n-th call". */
  replies: number;
}

/**
 * An LLM agent: keeps its own context per session, streams its reply as token events, lets the
 * model call its tools for up to `maxToolRounds` rounds, then publishes the reply to every one
 * of its publication topics.
 */
export class AssistantAgent extends GraphAgent<AssistantDef> {
  private state: AssistantState = { history: [], replies: 0 };

  protected async handle(message: ChatMessage, turn: Turn): Promise<void> {
    const { config, type: agent } = this.def;
    const { session, turnId, trace } = turn;
    this.remember({ role: 'user', content: message.content, name: message.sender });

    const model = this.setup.env.model(config.model);
    const replyId = randomUUID();
    const call = ++this.state.replies;
    const toolbox = await assistantToolbox(
      toolSpecs(config.tools),
      config.mcpServers ?? [],
      this.setup.env.mcp,
      session,
      agent,
    );
    const tools = toolbox.specs.length ? toolbox.specs : undefined;
    const onToken = config.stream
      ? (delta: string) => session.emit('token', { turnId, agent, messageId: replyId, delta })
      : undefined;
    const messages: ModelMessage[] = config.systemMessage
      ? [{ role: 'system', content: config.systemMessage }, ...this.state.history]
      : [...this.state.history];

    const toolContext: ToolContext = {
      allowedHosts: this.setup.env.graph.limits.allowedHosts,
      memory: session.memory,
      signal: session.signal,
    };
    let result: ChatResult;
    for (let round = 0; ; round++) {
      result = await model.chat({
        messages,
        tools,
        signal: session.signal,
        onToken,
        agent,
        call,
        ...(trace ? { trace } : {}),
      });
      session.recordUsage(agent, result.usage, config.model);
      if (result.toolCalls.length === 0) break;
      if (round >= config.maxToolRounds) {
        session.emit('warning', {
          code: 'max_tool_rounds',
          message: `agent "${agent}" stopped after ${config.maxToolRounds} tool-call rounds`,
        });
        break;
      }
      messages.push({ role: 'assistant', content: result.content, toolCalls: result.toolCalls });
      for (const c of result.toolCalls) {
        const server = toolbox.mcp.get(c.name);
        const output = config.tools.includes(c.name as never)
          ? (
              await traceToolCall(turn, c.name, { type: 'builtin' }, (trace) =>
                runTool(c.name, c.arguments, trace ? { ...toolContext, trace } : toolContext),
              )
            ).output
          : server !== undefined
            ? (
                await traceToolCall(turn, c.name, { type: 'mcp', server }, () =>
                  callMcpTool(this.setup.env.mcp, { server, tool: c.name, arguments: c.arguments }, session, {
                    turnId,
                    agent,
                  }),
                )
              ).output
            : `Error: tool "${c.name}" is not enabled for this agent; enabled: ${toolbox.specs.map((s) => s.name).join(', ') || 'none'}`;
        messages.push({ role: 'tool', content: output, toolCallId: c.id, name: c.name });
      }
    }

    this.remember({ role: 'assistant', content: result.content });
    await this.publish(turnId, result.content, 'assistant', undefined, replyId);
  }

  private remember(m: ModelMessage): void {
    const history = this.state.history;
    history.push(m);
    if (history.length > this.def.config.contextWindow)
      history.splice(0, history.length - this.def.config.contextWindow);
  }

  saveState(): AssistantState {
    return { history: this.state.history.slice(), replies: this.state.replies };
  }

  loadState(state: unknown): void {
    const s = state as Partial<AssistantState> | null;
    this.state = {
      history: Array.isArray(s?.history)
        ? s.history.filter((m) => typeof m?.content === 'string' && typeof m?.role === 'string')
        : [],
      replies: typeof s?.replies === 'number' ? s.replies : 0,
    };
  }
}
