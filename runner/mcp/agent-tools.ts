import type { SessionContext } from '../agents/env.ts';
import type { ToolSpec } from '../models/types.ts';
import type { McpCallOutcome } from './bounded-call.ts';
import type { McpGraphTools } from './graph-tools.ts';

/** The tools an assistant offers its model and where each MCP tool name goes. */
export interface Toolbox {
  specs: ToolSpec[];
  /** MCP tool name → server id. */
  mcp: ReadonlyMap<string, string>;
}

/**
 * Built-ins first, then each MCP server's tools in the order the agent names the servers. A name
 * already taken (a built-in, or an earlier server's tool) is left out with a warning, so a server
 * can never stand in for a built-in the graph relies on. A server that cannot be reached or is
 * refused is left out with a warning too: the model answers without it.
 */
export function assistantToolbox(
  builtins: ToolSpec[],
  serverIds: readonly string[],
  mcp: McpGraphTools | undefined,
  session: SessionContext,
  agent: string,
): Toolbox | Promise<Toolbox> {
  // Most agents name no server: their toolbox is ready without a wait.
  return serverIds.length === 0
    ? { specs: builtins, mcp: NO_MCP_TOOLS }
    : withMcpTools(builtins, serverIds, mcp, session, agent);
}

const NO_MCP_TOOLS: ReadonlyMap<string, string> = new Map();

async function withMcpTools(
  builtins: readonly ToolSpec[],
  serverIds: readonly string[],
  mcp: McpGraphTools | undefined,
  session: SessionContext,
  agent: string,
): Promise<Toolbox> {
  const box = { specs: [...builtins], mcp: new Map<string, string>() };
  const taken = new Set(builtins.map((s) => s.name));
  const warn = (code: string, message: string) =>
    session.emit('warning', { code, message: `agent "${agent}": ${message}` });
  for (const serverId of serverIds) {
    if (!mcp) {
      warn('mcp_unavailable', `MCP server "${serverId}" is not available in this runner`);
      continue;
    }
    try {
      const { specs, skipped } = await mcp.tools(serverId, session.signal);
      for (const { tool, reason } of skipped)
        warn('mcp_tool_skipped', `MCP server "${serverId}": tool "${tool}" left out: ${reason}`);
      for (const spec of specs) {
        if (taken.has(spec.name)) {
          warn(
            'mcp_tool_collision',
            `MCP server "${serverId}": tool "${spec.name}" left out: the name is already taken by ${box.mcp.has(spec.name) ? `MCP server "${box.mcp.get(spec.name)}"` : 'a built-in tool'}`,
          );
          continue;
        }
        taken.add(spec.name);
        box.specs.push(spec);
        box.mcp.set(spec.name, serverId);
      }
    } catch (e) {
      if (session.signal.aborted) throw e;
      const message = e instanceof Error ? e.message : String(e);
      const prefix = `MCP server "${serverId}": `;
      const reason = message.startsWith(prefix) ? message.slice(prefix.length) : message;
      warn('mcp_unavailable', `MCP server "${serverId}" left out: ${reason}`);
    }
  }
  return box;
}

/** Runs one MCP tool call for an agent and records it in the trace. Never throws. */
export async function callMcpTool(
  mcp: McpGraphTools | undefined,
  call: { server: string; tool: string; arguments: string | Record<string, unknown> },
  session: SessionContext,
  turn: { turnId: string; agent: string },
): Promise<McpCallOutcome> {
  const argsText = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
  const args = parseArgs(call.arguments);
  const outcome: McpCallOutcome =
    typeof args === 'string'
      ? { ok: false, output: `Error: ${call.tool}: ${args}`, latencyMs: 0, resultChars: 0, truncated: false }
      : mcp
        ? await mcp.call(call.server, call.tool, args, session.signal)
        : {
            ok: false,
            output: `Error: MCP server "${call.server}" is not available in this runner`,
            latencyMs: 0,
            resultChars: 0,
            truncated: false,
          };
  session.emit('tool_call', {
    turnId: turn.turnId,
    agent: turn.agent,
    server: call.server,
    tool: call.tool,
    ok: outcome.ok,
    latencyMs: outcome.latencyMs,
    argsChars: argsText.length,
    resultChars: outcome.resultChars,
    truncated: outcome.truncated,
    time: Date.now(),
  });
  return outcome;
}

/** The arguments object, or why there is none. */
function parseArgs(raw: string | Record<string, unknown>): Record<string, unknown> | string {
  if (typeof raw !== 'string') return raw;
  if (!raw.trim()) return {};
  try {
    const value = JSON.parse(raw) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : 'the arguments are not a JSON object';
  } catch (e) {
    return `the arguments are not valid JSON (${(e as Error).message})`;
  }
}
