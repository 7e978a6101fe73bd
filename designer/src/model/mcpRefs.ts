import type { Agent } from '../../../schemas/kinds/index.ts';

/**
 * The agents with every reference to MCP server `from` pointing at `to` instead (an assistant's
 * `mcpServers`, a tool agent's MCP server), so renaming a server keeps the graph wired.
 * Agents that do not refer to it are returned as they are.
 */
export function renameMcpServer(agents: readonly Agent[], from: string, to: string): Agent[] {
  return agents.map((agent) => {
    if (agent.kind === 'assistant' && agent.config.mcpServers?.includes(from)) {
      return {
        ...agent,
        config: { ...agent.config, mcpServers: agent.config.mcpServers.map((id) => (id === from ? to : id)) },
      };
    }
    if (agent.kind === 'tool' && agent.config.mcp?.server === from)
      return { ...agent, config: { ...agent.config, mcp: { ...agent.config.mcp, server: to } } };
    return agent;
  });
}

/** A server id not used yet: mcp-1, mcp-2, … */
export function freeMcpServerId(taken: readonly string[]): string {
  for (let n = 1; ; n++) if (!taken.includes(`mcp-${n}`)) return `mcp-${n}`;
}
