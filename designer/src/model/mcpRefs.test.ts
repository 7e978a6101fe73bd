import { describe, expect, it } from 'vitest';
import type { Agent } from '../../../schemas/kinds/index.ts';
import { freeMcpServerId, renameMcpServer } from './mcpRefs.ts';

describe('MCP server references', () => {
  it('a renamed server stays wired to the assistants and tool agents that use it; others are untouched', () => {
    const agents = [
      { id: 'a', type: 'a', kind: 'assistant', config: { model: 'm', tools: [], mcpServers: ['web', 'files'] } },
      { id: 't', type: 't', kind: 'tool', config: { mcp: { server: 'web', tool: 'search' } } },
      { id: 'u', type: 'u', kind: 'tool', config: { mcp: { server: 'files', tool: 'read' } } },
    ] as unknown as Agent[];
    const renamed = renameMcpServer(agents, 'web', 'search');
    expect(renamed.map((a) => a.config)).toEqual([
      { model: 'm', tools: [], mcpServers: ['search', 'files'] },
      { mcp: { server: 'search', tool: 'search' } },
      { mcp: { server: 'files', tool: 'read' } },
    ]);
    expect(renamed[2]).toBe(agents[2]);
  });

  it('finds the first free id', () => {
    expect(freeMcpServerId([])).toBe('mcp-1');
    expect(freeMcpServerId(['mcp-1', 'mcp-3'])).toBe('mcp-2');
  });
});
