import type { Graph } from '../graph.ts';
import { STDIO_COMMAND_KEYS } from '../mcp.ts';
import { problem, type Problem } from '../problem.ts';
import { BuiltinToolName } from '../tools.ts';

const BUILTIN = new Set<string>(BuiltinToolName.options);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A graph that names a program to run is refused whatever else is wrong with it: it is read from
 * the raw document, so a structural error elsewhere cannot hide it.
 */
export function stdioCommandProblems(doc: unknown): Problem[] {
  const servers = isRecord(doc) ? asArray(doc.mcpServers) : [];
  return servers.flatMap((server, index) =>
    isRecord(server)
      ? STDIO_COMMAND_KEYS.filter((key) => Object.hasOwn(server, key)).map((key) =>
          problem(
            'error',
            ['mcpServers', index, key],
            'mcp_stdio_command',
            `a graph may not name a program to run ("${key}"): define the stdio server in the runner config (tenants.<tenant>.mcpServers) and refer to it with "server"`,
            {},
            { field: key },
          ),
        )
      : [],
  );
}

/** How agents, allow-lists and MCP servers fit together. */
export function mcpProblems(graph: Graph): Problem[] {
  const problems: Problem[] = [];
  const servers = graph.mcpServers ?? [];
  const byId = new Map(servers.map((s) => [s.id, s]));
  const seen = new Set<string>();
  servers.forEach((server, index) => {
    if (seen.has(server.id))
      problems.push(
        problem(
          'error',
          ['mcpServers', index, 'id'],
          'duplicate_mcp_server',
          `MCP server id "${server.id}" is used twice`,
          {},
          { id: server.id },
        ),
      );
    seen.add(server.id);
    server.allowedTools.forEach((tool, k) => {
      if (BUILTIN.has(tool))
        problems.push(
          problem(
            'error',
            ['mcpServers', index, 'allowedTools', k],
            'mcp_tool_collision',
            `"${tool}" is the name of a built-in tool; an MCP tool may not take it`,
            {},
            { tool },
          ),
        );
    });
  });

  graph.agents.forEach((agent, index) => {
    const at = ['agents', index, 'config'];
    const nodeId = { nodeId: agent.id };
    if (agent.kind === 'assistant') {
      const named = agent.config.mcpServers ?? [];
      named.forEach((id, k) => {
        if (!byId.has(id))
          problems.push(
            problem(
              'error',
              [...at, 'mcpServers', k],
              'unknown_mcp_server',
              `refers to unknown MCP server "${id}"`,
              nodeId,
              { id },
            ),
          );
      });
      // When every server it names lists its allowed tools, a scripted call to another name cannot work.
      const allowed = named.map((id) => byId.get(id)?.allowedTools ?? []);
      if (named.length && allowed.every((list) => list.length > 0)) {
        const offered = new Set<string>([...agent.config.tools, ...allowed.flat()]);
        const model = graph.models.find((m) => m.id === agent.config.model);
        const called =
          model?.provider === 'scripted' ? model.rules.flatMap((r) => r.toolCalls ?? []).map((c) => c.name) : [];
        for (const name of new Set(called)) {
          if (!offered.has(name) && !BUILTIN.has(name))
            problems.push(
              problem(
                'warning',
                [...at, 'mcpServers'],
                'tool_not_enabled',
                `its model "${agent.config.model}" calls the tool "${name}", which none of its MCP servers allows`,
                nodeId,
                { model: agent.config.model, tool: name, variant: 'mcp' },
              ),
            );
        }
      }
    }
    if (agent.kind === 'tool') {
      const { tool, mcp } = agent.config;
      if ((tool === undefined) === (mcp === undefined)) {
        problems.push(
          problem(
            'error',
            at,
            'tool_agent_tool',
            'needs exactly one of "tool" (a built-in) or "mcp" (an MCP server\'s tool)',
            nodeId,
            {},
          ),
        );
      }
      if (mcp) {
        const server = byId.get(mcp.server);
        if (!server)
          problems.push(
            problem(
              'error',
              [...at, 'mcp', 'server'],
              'unknown_mcp_server',
              `refers to unknown MCP server "${mcp.server}"`,
              nodeId,
              { id: mcp.server },
            ),
          );
        else if (server.allowedTools.length && !server.allowedTools.includes(mcp.tool)) {
          problems.push(
            problem(
              'error',
              [...at, 'mcp', 'tool'],
              'mcp_tool_not_allowed',
              `MCP server "${mcp.server}" does not allow the tool "${mcp.tool}" (allowedTools)`,
              nodeId,
              { server: mcp.server, tool: mcp.tool },
            ),
          );
        }
      }
    }
  });
  return problems;
}
