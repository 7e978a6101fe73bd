import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import '../i18n/index.ts';
import { Inspector } from './Inspector.tsx';
import { EditorProvider } from '../store/editorContext.tsx';
import { createEditorStore } from '../store/editorStore.ts';
import { newGraph } from '../model/newGraph.ts';
import { validateGraph } from '../../../schemas/validate.ts';
import type { Graph } from '../../../schemas/graph.ts';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const OPTIONS = { credentials: ['MCP_TOKEN'], stdioServers: ['everything'] };
const TOOLS = {
  tools: ['echo', 'get-sum', 'get-tiny-image'].map((name) => ({
    name,
    description: `${name} tool`,
    inputSchema: { type: 'object' },
  })),
  skipped: [],
};

/** The runner: GET /api/mcp/options and POST /api/mcp/tools answer as given; requests are recorded. */
function runner(tools: { status: number; body: unknown } = { status: 200, body: TOOLS }, options = OPTIONS) {
  const requests: Array<{ method: string; url: string; body?: unknown }> = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    requests.push({ method: init.method ?? 'GET', url, ...(init.body ? { body: JSON.parse(String(init.body)) } : {}) });
    const [status, body] = url === '/api/mcp/options' ? [200, options] : [tools.status, tools.body];
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return requests;
}

function setup(edit: Partial<Graph> = {}, select?: string) {
  const graph = {
    ...newGraph('mcp'),
    mcpServers: [{ id: 'everything', transport: 'stdio' as const, server: 'everything', allowedTools: [] }],
    ...edit,
  };
  const store = createEditorStore(graph);
  if (select) store.getState().setSelection({ nodes: [select], edges: [] });
  render(
    <EditorProvider store={store}>
      <Inspector />
    </EditorProvider>,
  );
  return store;
}
const flush = () => act(async () => undefined);
const servers = (store: ReturnType<typeof setup>) => store.getState().graph.mcpServers;

describe('MCP servers in the inspector', () => {
  it("shows a server's live tools and picks the allowed ones with checkboxes", async () => {
    const requests = runner();
    const store = setup();
    await act(async () => void fireEvent.click(screen.getByTestId('mcp-load-everything')));
    expect(requests.filter((r) => r.method === 'POST')).toEqual([
      {
        method: 'POST',
        url: '/api/mcp/tools',
        body: {
          server: { id: 'everything', transport: 'stdio', server: 'everything', allowedTools: [] },
          allowedHosts: [],
        },
      },
    ]);
    // Empty allowedTools: every tool is allowed.
    expect((screen.getByLabelText('get-sum') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByLabelText('get-tiny-image'));
    expect(servers(store)![0]!.allowedTools).toEqual(['echo', 'get-sum']);
    fireEvent.click(screen.getByLabelText('All tools, also ones added later'));
    expect(servers(store)![0]!.allowedTools).toEqual([]);
    // Unticking "all" starts an explicit pick with nothing ticked; two ticks allow two tools.
    fireEvent.click(screen.getByLabelText('All tools, also ones added later'));
    expect((screen.getByLabelText('echo') as HTMLInputElement).checked).toBe(false);
    fireEvent.click(screen.getByLabelText('echo'));
    fireEvent.click(screen.getByLabelText('get-sum'));
    expect(servers(store)![0]!.allowedTools).toEqual(['echo', 'get-sum']);
  });

  it('says why the tools cannot be listed, and offers to allow a host the graph lacks', async () => {
    const message = 'MCP server "web": host "127.0.0.1:9" is not in the graph\'s limits.allowedHosts';
    runner({
      status: 400,
      body: { error: { code: 'mcp_refused', message, details: { host: '127.0.0.1:9', allowList: 'graph' } } },
    });
    const store = setup({
      mcpServers: [
        { id: 'web', transport: 'http', url: 'http://127.0.0.1:9/mcp', header: 'Authorization', allowedTools: [] },
      ],
    });
    await act(async () => void fireEvent.click(screen.getByTestId('mcp-load-web')));
    expect(screen.getByTestId('mcp-error-web').textContent).toBe(`Could not list the tools: ${message}`);
    fireEvent.click(screen.getByTestId('mcp-allow-host-web'));
    expect(store.getState().graph.limits.allowedHosts).toEqual(['127.0.0.1:9']);
  });

  it('adds an HTTP server by form: a bad URL is named, a good one joins the graph with a credential picked by name', async () => {
    runner(undefined, { credentials: ['MCP_TOKEN'], stdioServers: [] });
    const store = setup({ mcpServers: undefined });
    await flush();
    fireEvent.click(screen.getByTestId('mcp-add'));
    const url = screen.getByTestId('mcp-url-mcp-1');
    fireEvent.change(url, { target: { value: 'ftp://files.example.com' } });
    fireEvent.blur(url);
    expect(screen.getByTestId('mcp-error-mcp-1').textContent).toBe('url: must be an http or https URL');
    expect(servers(store)).toBeUndefined();
    fireEvent.change(url, { target: { value: 'https://mcp.example.com/mcp' } });
    fireEvent.blur(url);
    expect(servers(store)).toEqual([
      { id: 'mcp-1', transport: 'http', url: 'https://mcp.example.com/mcp', header: 'Authorization', allowedTools: [] },
    ]);
    expect([...(screen.getByTestId('mcp-credential-mcp-1') as HTMLSelectElement).options].map((o) => o.value)).toEqual([
      '',
      'MCP_TOKEN',
    ]);
    fireEvent.change(screen.getByTestId('mcp-credential-mcp-1'), { target: { value: 'MCP_TOKEN' } });
    expect(servers(store)![0]).toMatchObject({ credential: 'MCP_TOKEN' });
    // A taken id is refused, and the server keeps its old one.
    fireEvent.click(screen.getByTestId('mcp-add'));
    const second = screen.getByTestId('mcp-url-mcp-2');
    fireEvent.change(second, { target: { value: 'https://other.example.com/mcp' } });
    fireEvent.blur(second);
    const id = screen.getByTestId('mcp-id-mcp-2');
    fireEvent.change(id, { target: { value: 'mcp-1' } });
    fireEvent.blur(id);
    expect(screen.getByTestId('mcp-error-mcp-2').textContent).toBe('id: "mcp-1" is already used by another server');
    fireEvent.click(screen.getByTestId('mcp-remove-mcp-2'));
    expect(servers(store)!.map((s) => s.id)).toEqual(['mcp-1']);
  });

  it('adds a stdio server picked by name from the runner config', async () => {
    runner();
    const store = setup({ mcpServers: undefined });
    await flush();
    fireEvent.click(screen.getByTestId('mcp-add'));
    expect(servers(store)).toEqual([{ id: 'mcp-1', transport: 'stdio', server: 'everything', allowedTools: [] }]);
    expect([...(screen.getByTestId('mcp-stdio-mcp-1') as HTMLSelectElement).options].map((o) => o.value)).toEqual([
      'everything',
    ]);
  });

  it('keeps a declaration that names a command, for validation to refuse with its code', () => {
    runner();
    const store = setup({
      mcpServers: [{ id: 'x', transport: 'stdio', server: 'x', command: '/bin/sh', allowedTools: [] }],
    });
    expect(validateGraph(store.getState().graph).problems).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'mcp_stdio_command', path: '/mcpServers/0/command' }),
    );
  });
});

describe('agents using MCP servers', () => {
  const toolAgent = { id: 'tool-1', type: 'fetcher', kind: 'tool' as const, config: { tool: 'calculator' as const } };

  it('a tool agent picks a server and one of its allowed tools; the built-in tool is cleared', async () => {
    runner();
    const store = setup(
      {
        mcpServers: [{ id: 'everything', transport: 'stdio', server: 'everything', allowedTools: ['echo', 'get-sum'] }],
        agents: [toolAgent],
      },
      'tool-1',
    );
    fireEvent.change(screen.getByTestId('config-mcp-server'), { target: { value: 'everything' } });
    expect([...(screen.getByTestId('config-mcp-tool') as HTMLSelectElement).options].map((o) => o.value)).toEqual([
      '',
      'echo',
      'get-sum',
    ]);
    fireEvent.change(screen.getByTestId('config-mcp-tool'), { target: { value: 'get-sum' } });
    expect(store.getState().graph.agents[0]!.config).toEqual({ mcp: { server: 'everything', tool: 'get-sum' } });
  });

  it('a tool agent on a server that allows all tools gets the live list, or the reason it failed', async () => {
    const requests = runner();
    setup({ agents: [{ ...toolAgent, config: { mcp: { server: 'everything', tool: 'echo' } } }] }, 'tool-1');
    await flush();
    expect(requests.some((r) => r.url === '/api/mcp/tools')).toBe(true);
    expect([...(screen.getByTestId('config-mcp-tool') as HTMLSelectElement).options].map((o) => o.value)).toEqual([
      'echo',
      'get-sum',
      'get-tiny-image',
    ]);
    cleanup();
    runner({
      status: 502,
      body: { error: { code: 'mcp_unreachable', message: 'cannot connect to MCP server "everything": fetch failed' } },
    });
    setup({ agents: [{ ...toolAgent, config: { mcp: { server: 'everything', tool: 'echo' } } }] }, 'tool-1');
    await flush();
    expect(screen.getByTestId('config-mcp-error').textContent).toBe(
      'Could not list the tools: cannot connect to MCP server "everything": fetch failed',
    );
  });

  it("an assistant ticks the graph's servers it may use", () => {
    runner();
    const assistant = {
      id: 'a',
      type: 'helper',
      kind: 'assistant' as const,
      config: { model: 'm', tools: [], stream: true, contextWindow: 20, maxToolRounds: 4 },
    };
    const store = setup({ agents: [assistant as never] }, 'a');
    fireEvent.click(screen.getByLabelText('everything'));
    expect((store.getState().graph.agents[0]!.config as { mcpServers?: string[] }).mcpServers).toEqual(['everything']);
    fireEvent.click(screen.getByLabelText('everything'));
    expect((store.getState().graph.agents[0]!.config as { mcpServers?: string[] }).mcpServers).toBeUndefined();
  });
});
