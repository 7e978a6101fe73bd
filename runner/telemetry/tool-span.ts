import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { secondsSince } from './instruments.ts';
import { inSpan } from './spans.ts';
import { turnTrace } from './turn-trace.ts';

/** Where a tool comes from: a built-in one or an MCP server's (named, for the span). */
export type ToolOrigin = { type: 'builtin' } | { type: 'mcp'; server: string };

/**
 * Runs one tool call of turn `turnId` in a span (OpenTelemetry GenAI `execute_tool`) and records
 * its duration and failure by tool name. Built-in tools report failure as `ok: false` rather
 * than throwing; a throw counts as a failure too. MCP tool calls use this same helper.
 */
export async function traceToolCall<T extends { ok: boolean }>(turnId: string, tool: string, origin: ToolOrigin, run: () => Promise<T>): Promise<T> {
  const instruments = turnTrace(turnId)?.instruments;
  const start = performance.now();
  let ok = false;
  try {
    return await inSpan(
      `execute_tool ${tool}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': tool,
          'gen_ai.tool.type': origin.type === 'mcp' ? 'extension' : 'function',
          ...(origin.type === 'mcp' ? { 'switchboard.mcp.server': origin.server } : {}),
        },
      },
      async (span) => {
        const result = await run();
        ok = result.ok;
        if (!ok) span?.setStatus({ code: SpanStatusCode.ERROR, message: 'the tool reported a failure' });
        return result;
      },
    );
  } finally {
    instruments?.toolDuration.observe({ tool }, secondsSince(start));
    if (!ok) instruments?.toolErrors.inc({ tool });
  }
}
