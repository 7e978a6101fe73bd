import type { z } from 'zod';
import type { ToolAgent as ToolNode } from '../../schemas/kinds/index.ts';
import { traceToolCall } from '../telemetry/tool-span.ts';
import { runTool, toolArgsFromMessage } from '../tools/index.ts';
import { GraphAgent, type Turn } from './base.ts';
import type { ChatMessage } from './message.ts';

type ToolDef = z.output<typeof ToolNode>;

/** Runs its built-in tool on each message and publishes the result (or the readable error). */
export class ToolAgent extends GraphAgent<ToolDef> {
  protected async handle(message: ChatMessage, { session, turnId }: Turn): Promise<void> {
    const { tool, argument } = this.def.config;
    const result = await traceToolCall(turnId, tool, { type: 'builtin' }, () =>
      runTool(tool, toolArgsFromMessage(tool, message.content, argument), {
        allowedHosts: this.setup.env.graph.limits.allowedHosts,
        memory: session.memory,
        signal: session.signal,
      }),
    );
    if (!result.ok) session.emit('warning', { code: 'tool_error', message: `tool agent "${this.def.type}": ${result.output}` });
    await this.publish(turnId, result.output, 'tool');
  }
}
