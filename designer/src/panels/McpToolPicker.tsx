import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { McpServer } from '../../../schemas/mcp.ts';
import { useMcpTools } from './useMcpTools.ts';

/**
 * One MCP server's live tool list, fetched through the runner, as checkboxes bound to its
 * `allowedTools`. An empty `allowedTools` means every tool, including ones the server adds later;
 * unticking "all" starts an explicit pick with nothing ticked yet.
 */
export function McpToolPicker({
  server,
  allowedHosts,
  onChange,
  onAllowHost,
}: {
  server: McpServer;
  allowedHosts: readonly string[];
  onChange: (allowedTools: string[]) => void;
  /** Adds a host to the graph's limits.allowedHosts. */
  onAllowHost: (host: string) => void;
}) {
  const { t } = useTranslation();
  // Listed on request (a stdio server is a process to start); once asked, listed again by itself
  // when the address or the graph's allowed hosts change.
  const [asked, setAsked] = useState(false);
  const { load, fetch } = useMcpTools(server, allowedHosts, asked);
  const allowed = server.allowedTools;
  const [explicit, setExplicit] = useState(allowed.length > 0);
  const picking = explicit || allowed.length > 0;

  const names = load.state === 'loaded' ? load.tools.map((tool) => tool.name) : [];
  const checked = (name: string) => (picking ? allowed.includes(name) : true);
  const toggle = (name: string) => {
    setExplicit(true);
    const base = picking ? allowed : names;
    onChange(checked(name) ? base.filter((n) => n !== name) : [...base, name]);
  };
  const setAll = (all: boolean) => {
    setExplicit(!all);
    if (all || allowed.length) onChange([]);
  };

  return (
    <div className="field mcp-tools" data-testid={`mcp-tools-${server.id}`}>
      <button
        type="button"
        className="small"
        onClick={() => (asked ? fetch() : setAsked(true))}
        disabled={load.state === 'loading'}
        data-testid={`mcp-load-${server.id}`}
      >
        {load.state === 'loading'
          ? t('mcp.loading')
          : load.state === 'loaded'
            ? t('mcp.reloadTools')
            : t('mcp.loadTools')}
      </button>
      {load.state === 'failed' && (
        <small className="field-error" role="alert" data-testid={`mcp-error-${server.id}`}>
          {t('mcp.failed', { error: load.message })}
        </small>
      )}
      {load.state === 'failed' && load.graphHost && (
        <button
          type="button"
          className="small"
          onClick={() => onAllowHost(load.graphHost!)}
          data-testid={`mcp-allow-host-${server.id}`}
        >
          {t('mcp.allowHost', { host: load.graphHost })}
        </button>
      )}
      {load.state === 'idle' && allowed.length > 0 && (
        <small className="field-hint">{t('mcp.allowedNow', { tools: allowed.join(', ') })}</small>
      )}
      {load.state === 'loaded' && (
        <fieldset className="checks">
          <legend>{t('mcp.tools', { server: server.id })}</legend>
          <label>
            <input
              type="checkbox"
              checked={!picking}
              onChange={(e) => setAll(e.target.checked)}
              data-testid={`mcp-all-${server.id}`}
            />{' '}
            {t('mcp.allTools')}
          </label>
          {load.tools.length === 0 && <small className="field-hint">{t('mcp.noTools')}</small>}
          {load.tools.map((tool) => (
            <label key={tool.name} title={tool.description}>
              <input type="checkbox" checked={checked(tool.name)} onChange={() => toggle(tool.name)} /> {tool.name}
            </label>
          ))}
          {picking && allowed.length === 0 && <small className="field-hint">{t('mcp.pickSome')}</small>}
        </fieldset>
      )}
    </div>
  );
}
