import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { McpServer } from '../../../schemas/mcp.ts';
import { listMcpTools, type McpToolInfo } from '../api/mcp.ts';

type Load = { state: 'idle' } | { state: 'loading' } | { state: 'failed'; message: string } | { state: 'loaded'; tools: McpToolInfo[] };

/**
 * One MCP server's live tool list, fetched through the runner, as checkboxes bound to its
 * `allowedTools`. An empty `allowedTools` means every tool, including ones the server adds later.
 */
export function McpToolPicker({ server, allowedHosts, onChange }: { server: McpServer; allowedHosts: readonly string[]; onChange: (allowedTools: string[]) => void }) {
  const { t } = useTranslation();
  const [load, setLoad] = useState<Load>({ state: 'idle' });
  const allowed = server.allowedTools;

  const fetchTools = () => {
    setLoad({ state: 'loading' });
    listMcpTools(server, allowedHosts).then(
      (list) => setLoad({ state: 'loaded', tools: list.tools }),
      (e: Error) => setLoad({ state: 'failed', message: e.message }),
    );
  };

  const names = load.state === 'loaded' ? load.tools.map((tool) => tool.name) : [];
  const checked = (name: string) => allowed.length === 0 || allowed.includes(name);
  const toggle = (name: string) => {
    const base = allowed.length ? allowed : names;
    onChange(checked(name) ? base.filter((n) => n !== name) : [...base, name]);
  };

  return (
    <div className="field mcp-tools" data-testid={`mcp-tools-${server.id}`}>
      <button type="button" className="small" onClick={fetchTools} disabled={load.state === 'loading'} data-testid={`mcp-load-${server.id}`}>
        {load.state === 'loading' ? t('mcp.loading') : t('mcp.loadTools')}
      </button>
      {load.state === 'failed' && <small className="field-error" role="alert">{t('mcp.failed', { error: load.message })}</small>}
      {load.state === 'loaded' && (
        <fieldset className="checks">
          <legend>{t('mcp.tools', { server: server.id })}</legend>
          <label>
            <input type="checkbox" checked={allowed.length === 0} onChange={(e) => onChange(e.target.checked ? [] : names)} /> {t('mcp.allTools')}
          </label>
          {load.tools.length === 0 && <small className="field-hint">{t('mcp.noTools')}</small>}
          {load.tools.map((tool) => (
            <label key={tool.name} title={tool.description}>
              <input type="checkbox" checked={checked(tool.name)} onChange={() => toggle(tool.name)} /> {tool.name}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
