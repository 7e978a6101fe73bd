import type { Context } from '@opentelemetry/api';
import type { z } from 'zod';
import type { ToolAgent as ToolNode } from '../../schemas/kinds/index.ts';
import { callMcpTool } from '../mcp/agent-tools.ts';
import { mcpArgsFromMessage } from '../mcp/message-args.ts';
import { traceToolCall } from '../telemetry/tool-span.ts';
import { runTool, toolArgsFromMessage } from '../tools/index.ts';
import { GraphAgent, type Turn } from './base.ts';
import type { ChatMessage } from './message.ts';

type ToolDef = z.output<typeof ToolNode>;

/** Runs its tool (a built-in or one MCP tool) on each message and publishes the result (or the readable error). */
export class ToolAgent extends GraphAgent<ToolDef> {
  protected async handle(message: ChatMessage, turn: Turn): Promise<void> {
    const { session, turnId } = turn;
    const { tool, argument, mcp } = this.def.config;
    const agent = this.def.type;
    const result = mcp
      ? await traceToolCall(turn, mcp.tool, { type: 'mcp', server: mcp.server }, () =>
          callMcpTool(
            this.setup.env.mcp,
            { ...mcp, arguments: mcpArgsFromMessage(message.content, argument) },
            session,
            { turnId, agent },
          ),
        )
      : await traceToolCall(turn, tool!, { type: 'builtin' }, (trace) =>
          this.runBuiltin(tool!, message.content, argument, session, trace),
        );
    if (!result.ok) session.emit('warning', { code: 'tool_error', message: `tool agent "${agent}": ${result.output}` });
    await this.publish(turnId, result.output, 'tool');
  }

  private runBuiltin(
    tool: NonNullable<ToolDef['config']['tool']>,
    content: string,
    argument: string | undefined,
    session: Turn['session'],
    trace: Context | undefined,
  ) {
    return runTool(tool, toolArgsFromMessage(tool, content, argument), {
      allowedHosts: this.setup.env.graph.limits.allowedHosts,
      memory: session.memory,
      signal: session.signal,
      ...(trace ? { trace } : {}),
    });
  }
}
