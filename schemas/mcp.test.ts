import { describe, expect, it } from 'vitest';
import type { GraphInput } from './graph.ts';
import { exportGraph, graphManifest } from './manifest.ts';
import { Graph } from './graph.ts';
import { validateGraph } from './validate.ts';

/** A graph with one HTTP and one stdio server, an assistant using both and a tool agent calling one tool. */
function mcpGraph(edit: (g: any) => void = () => undefined): GraphInput {
  const g: any = {
    format: 'switchboard/graph',
    version: 1,
    id: 'mcp',
    name: 'MCP',
    models: [
      {
        id: 'm',
        provider: 'scripted',
        rules: [{ match: { contains: 'x' }, toolCalls: [{ name: 'search', arguments: {} }] }],
      },
    ],
    mcpServers: [
      {
        id: 'web',
        transport: 'http',
        url: 'https://mcp.example.com/mcp?team=1',
        credential: 'WEB_TOKEN',
        allowedTools: ['search'],
      },
      { id: 'local', transport: 'stdio', server: 'files' },
    ],
    agents: [
      { id: 'a', type: 'a', kind: 'assistant', config: { model: 'm', mcpServers: ['web', 'local'] } },
      { id: 't', type: 't', kind: 'tool', config: { mcp: { server: 'web', tool: 'search' } } },
    ],
    topics: [
      { id: 'in', type: 'in' },
      { id: 'out', type: 'out' },
    ],
    subscriptions: [
      { id: 's1', topic: 'in', agent: 'a' },
      { id: 's2', topic: 'in', agent: 't' },
    ],
    publications: [
      { id: 'p1', agent: 'a', topic: 'out' },
      { id: 'p2', agent: 't', topic: 'out' },
    ],
    entry: 'in',
    output: ['out'],
    limits: { allowedHosts: ['mcp.example.com'] },
  };
  edit(g);
  return g;
}
const errors = (g: GraphInput) =>
  validateGraph(g)
    .problems.filter((p) => p.severity === 'error')
    .map(({ code, path, message }) => ({ code, path, message }));

describe('MCP servers in a graph', () => {
  it('validate when every reference fits', () => {
    expect(validateGraph(mcpGraph()).problems).toEqual([]);
  });

  it('refuse references to unknown servers and tools the server does not allow', () => {
    expect(
      errors(
        mcpGraph((g) => {
          g.agents[0].config.mcpServers = ['web', 'nope'];
          g.agents[1].config.mcp = { server: 'web', tool: 'delete' };
        }),
      ),
    ).toEqual([
      {
        code: 'unknown_mcp_server',
        path: '/agents/0/config/mcpServers/1',
        message: 'refers to unknown MCP server "nope"',
      },
      {
        code: 'mcp_tool_not_allowed',
        path: '/agents/1/config/mcp/tool',
        message: 'MCP server "web" does not allow the tool "delete" (allowedTools)',
      },
    ]);
  });

  it('need exactly one tool on a tool agent', () => {
    const both = errors(mcpGraph((g) => (g.agents[1].config.tool = 'calculator')));
    const none = errors(mcpGraph((g) => delete g.agents[1].config.mcp));
    for (const found of [both, none])
      expect(found).toEqual([
        {
          code: 'tool_agent_tool',
          path: '/agents/1/config',
          message: 'needs exactly one of "tool" (a built-in) or "mcp" (an MCP server\'s tool)',
        },
      ]);
  });

  it('refuse duplicate server ids and tool names taken by built-ins', () => {
    expect(errors(mcpGraph((g) => (g.mcpServers[1].id = 'web')))).toContainEqual({
      code: 'duplicate_mcp_server',
      path: '/mcpServers/1/id',
      message: 'MCP server id "web" is used twice',
    });
    expect(errors(mcpGraph((g) => g.mcpServers[0].allowedTools.push('memory')))).toEqual([
      {
        code: 'mcp_tool_collision',
        path: '/mcpServers/0/allowedTools/1',
        message: '"memory" is the name of a built-in tool; an MCP tool may not take it',
      },
    ]);
  });

  it('warn when a scripted model calls a tool none of the servers allows', () => {
    const g = mcpGraph((g) => {
      g.agents[0].config.mcpServers = ['web'];
      g.models[0].rules[0].toolCalls[0].name = 'fetch';
    });
    expect(validateGraph(g).problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'tool_not_enabled',
        path: '/agents/0/config/mcpServers',
        message: 'its model "m" calls the tool "fetch", which none of its MCP servers allows',
      }),
    ]);
  });

  it('refuse a URL that is not http(s) and a stdio server without its name', () => {
    expect(errors(mcpGraph((g) => (g.mcpServers[0].url = 'file:///etc/passwd')))[0]).toMatchObject({
      path: '/mcpServers/0/url',
    });
    expect(errors(mcpGraph((g) => delete g.mcpServers[1].server))[0]).toMatchObject({
      code: 'required',
      path: '/mcpServers/1/server',
    });
  });

  it('are listed in the manifest by name and transport, with the credential name only', () => {
    const graph = Graph.parse(mcpGraph());
    const manifest = graphManifest(graph);
    expect(manifest.mcpServers).toEqual([
      { id: 'web', transport: 'http', host: 'mcp.example.com' },
      { id: 'local', transport: 'stdio', server: 'files' },
    ]);
    expect(manifest.credentials).toEqual(['WEB_TOKEN']);
    expect(validateGraph(JSON.parse(JSON.stringify(exportGraph(graph)))).problems).toEqual([]);
  });

  it('leave the manifest of a graph without MCP servers as it was', () => {
    const graph = Graph.parse(
      mcpGraph((g) => {
        delete g.mcpServers;
        g.agents = [{ id: 'a', type: 'a', kind: 'assistant', config: { model: 'm', tools: ['calculator'] } }];
        g.subscriptions = [g.subscriptions[0]];
        g.publications = [g.publications[0]];
        g.models[0].rules[0].toolCalls[0].name = 'calculator';
      }),
    );
    expect(Object.keys(graphManifest(graph))).toEqual(['agentKinds', 'models', 'credentials', 'tools', 'allowedHosts']);
  });
});
