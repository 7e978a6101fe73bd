import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Graph } from '../../../schemas/graph.ts';
import type { McpServer } from '../../../schemas/mcp.ts';
import { freeMcpServerId, renameMcpServer } from '../model/mcpRefs.ts';
import { useEditorStore } from '../store/editorContext.tsx';
import { McpServerForm, type McpServerDraft } from './McpServerForm.tsx';
import { useMcpOptions } from './useMcpTools.ts';

/**
 * The graph's MCP servers, one form each, and a new one being filled in: it joins the graph once
 * it is valid, so the graph never holds a half-typed server.
 */
export function McpServersEditor({ graph }: { graph: Graph }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const options = useMcpOptions();
  const [adding, setAdding] = useState<McpServerDraft>();
  const servers = graph.mcpServers ?? [];
  const ids = servers.map((s) => s.id);

  const save = (next: McpServer[], agents?: Graph['agents']) =>
    store.getState().updateGraph({ mcpServers: next.length ? next : undefined, ...(agents ? { agents } : {}) });
  const replace = (index: number, server: McpServer) => {
    const old = servers[index]!;
    save(
      servers.map((s, i) => (i === index ? server : s)),
      old.id !== server.id ? renameMcpServer(graph.agents, old.id, server.id) : undefined,
    );
  };
  const allowHost = (host: string) => {
    if (!graph.limits.allowedHosts.includes(host))
      store.getState().updateGraph({ limits: { ...graph.limits, allowedHosts: [...graph.limits.allowedHosts, host] } });
  };
  const add = () => {
    const id = freeMcpServerId(ids);
    const stdio = options.stdioServers[0];
    // A stdio server the runner defines is complete at once; an HTTP one waits for its URL.
    if (stdio) save([...servers, { id, transport: 'stdio', server: stdio, allowedTools: [] }]);
    else setAdding({ id, transport: 'http', url: '', allowedTools: [] });
  };
  const common = { options, allowedHosts: graph.limits.allowedHosts, onAllowHost: allowHost };

  return (
    <div className="field" data-testid="mcp-servers">
      {servers.length === 0 && !adding && <p className="muted">{t('mcp.none')}</p>}
      {servers.map((server, index) => (
        <McpServerForm
          key={index}
          {...common}
          value={server}
          taken={ids.filter((_, i) => i !== index)}
          onCommit={(next) => replace(index, next)}
          onRemove={() => save(servers.filter((_, i) => i !== index))}
        />
      ))}
      {adding && (
        <McpServerForm
          {...common}
          value={adding}
          taken={ids}
          onCommit={(server) => {
            setAdding(undefined);
            save([...servers, server]);
          }}
          onRemove={() => setAdding(undefined)}
        />
      )}
      {!adding && (
        <button type="button" className="small" onClick={add} data-testid="mcp-add">
          + {t('mcp.add')}
        </button>
      )}
      {options.error && <small className="field-error">{t('mcp.optionsFailed', { error: options.error })}</small>}
      <small className="field-hint">{t('mcp.hint')}</small>
    </div>
  );
}
