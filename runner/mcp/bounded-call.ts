import { McpUnreachable, type McpConnection } from './connection.ts';
import { capText, resultText } from './result-text.ts';

/** One tools/call as the trace records it and the model reads it. */
export interface McpCallOutcome {
  ok: boolean;
  /** What the model reads: the result, or "Error: ..." it can act on. */
  output: string;
  latencyMs: number;
  /** Characters of the whole result, before the cap. */
  resultChars: number;
  truncated: boolean;
}

export interface CallBounds {
  timeoutMs: number;
  maxResultChars: number;
  /** The turn's signal: aborting the turn cancels the call (the SDK sends notifications/cancelled). */
  signal?: AbortSignal;
}

/**
 * Calls one tool and never throws: a timeout, a dead server, a refused argument or garbage on the
 * wire all come back as a tool error for the model, so the turn goes on.
 */
export async function boundedCall(
  connection: McpConnection,
  tool: string,
  args: Record<string, unknown>,
  bounds: CallBounds,
): Promise<McpCallOutcome> {
  const started = performance.now();
  let text;
  try {
    const result = await connection.call(tool, args, { signal: bounds.signal, timeoutMs: bounds.timeoutMs });
    text = resultText(result, bounds.maxResultChars);
  } catch (e) {
    text = capText(
      `Error: MCP tool "${tool}" on "${connection.label}" failed: ${describe(e, bounds)}`,
      bounds.maxResultChars,
      false,
    );
  }
  return {
    ok: text.ok,
    output: text.text,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    resultChars: text.chars,
    truncated: text.truncated,
  };
}

function describe(e: unknown, bounds: CallBounds): string {
  if (bounds.signal?.aborted) return 'the turn was aborted';
  // Its own words: a connect timeout is not the call timeout.
  if (e instanceof McpUnreachable) return e.message;
  const message = e instanceof Error ? e.message : String(e);
  return /timed out|timeout/i.test(message) ? `no answer within ${bounds.timeoutMs} ms` : message;
}
