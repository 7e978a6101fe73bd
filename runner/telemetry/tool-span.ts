import { SpanKind, SpanStatusCode, type Context } from '@opentelemetry/api';
import { secondsSince } from './instruments.ts';
import { inSpan } from './spans.ts';
import { turnTrace } from './turn-trace.ts';

/** Where a tool comes from: a built-in one or an MCP server's (named, for the span). */
export type ToolOrigin = { type: 'builtin' } | { type: 'mcp'; server: string };

/** The turn a tool call belongs to and, when traced, the calling agent's span context. */
export interface ToolCaller {
  turnId: string;
  trace?: Context;
}

/**
 * Runs one tool call in a span (OpenTelemetry GenAI `execute_tool`) under the calling agent's
 * and records its duration and failure by tool name. Built-in tools report failure as
 * `ok: false` rather than throwing; a throw counts as a failure too. `run` gets the tool span's
 * context, for the trace headers of the HTTP requests it makes.
 */
export async function traceToolCall<T extends { ok: boolean }>(
  caller: ToolCaller,
  tool: string,
  origin: ToolOrigin,
  run: (trace: Context | undefined) => Promise<T>,
): Promise<T> {
  const instruments = turnTrace(caller.turnId)?.instruments;
  const start = performance.now();
  let ok = false;
  try {
    return await inSpan(
      `execute_tool ${tool}`,
      {
        kind: SpanKind.INTERNAL,
        ...(caller.trace ? { parent: caller.trace } : {}),
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': tool,
          'gen_ai.tool.type': origin.type === 'mcp' ? 'extension' : 'function',
          ...(origin.type === 'mcp' ? { 'switchboard.mcp.server': origin.server } : {}),
        },
      },
      async (span, trace) => {
        const result = await run(trace);
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
