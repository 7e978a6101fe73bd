import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import '../i18n/index.ts';
import { Inspector } from './Inspector.tsx';
import { EditorProvider } from '../store/editorContext.tsx';
import { createEditorStore } from '../store/editorStore.ts';
import { newGraph } from '../model/newGraph.ts';
import { validateGraph } from '../../../schemas/validate.ts';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** The runner's answer to POST /api/mcp/tools, recorded so the request can be checked too. */
function runnerAnswering(body: unknown, status = 200) {
  const requests: Array<{ url: string; body: unknown }> = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    requests.push({ url, body: JSON.parse(String(init.body)) });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return requests;
}

function setup() {
  const graph = { ...newGraph('mcp'), mcpServers: [{ id: 'everything', transport: 'stdio' as const, server: 'everything', allowedTools: [] }] };
  const store = createEditorStore(graph);
  render(
    <EditorProvider store={store}>
      <Inspector />
    </EditorProvider>,
  );
  return store;
}

describe('MCP servers in the inspector', () => {
  it('shows a server\'s live tools and picks the allowed ones with checkboxes', async () => {
    const requests = runnerAnswering({ tools: ['echo', 'get-sum', 'get-tiny-image'].map((name) => ({ name, description: `${name} tool`, inputSchema: { type: 'object' } })), skipped: [] });
    const store = setup();
    await act(async () => void fireEvent.click(screen.getByTestId('mcp-load-everything')));
    expect(requests).toEqual([{ url: '/api/mcp/tools', body: { server: { id: 'everything', transport: 'stdio', server: 'everything', allowedTools: [] }, allowedHosts: [] } }]);
    // Empty allowedTools: every tool is allowed.
    expect((screen.getByLabelText('get-sum') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByLabelText('get-tiny-image'));
    expect(store.getState().graph.mcpServers![0]!.allowedTools).toEqual(['echo', 'get-sum']);
    fireEvent.click(screen.getByLabelText('echo'));
    expect(store.getState().graph.mcpServers![0]!.allowedTools).toEqual(['get-sum']);
    fireEvent.click(screen.getByLabelText('All tools, also ones added later'));
    expect(store.getState().graph.mcpServers![0]!.allowedTools).toEqual([]);
  });

  it('says why the tools cannot be listed', async () => {
    runnerAnswering({ error: { code: 'mcp_refused', message: 'MCP server "everything": the runner defines no stdio server "everything" for tenant "local"' } }, 400);
    setup();
    await act(async () => void fireEvent.click(screen.getByTestId('mcp-load-everything')));
    expect(screen.getByRole('alert').textContent).toBe('Could not list the tools: MCP server "everything": the runner defines no stdio server "everything" for tenant "local"');
  });

  it('keeps a declaration that names a command, for validation to refuse with its code', () => {
    const store = setup();
    const json = screen.getByTestId('mcp-servers-json');
    fireEvent.change(json, { target: { value: '[{"id":"x","transport":"stdio","server":"x","command":"/bin/sh"}]' } });
    fireEvent.blur(json);
    expect(validateGraph(store.getState().graph).problems).toContainEqual(expect.objectContaining({ severity: 'error', code: 'mcp_stdio_command', path: '/mcpServers/0/command' }));
  });
});
