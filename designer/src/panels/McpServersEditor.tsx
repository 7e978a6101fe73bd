import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import type { Graph } from '../../../schemas/graph.ts';
import { McpServer } from '../../../schemas/mcp.ts';
import { useEditorStore } from '../store/editorContext.tsx';
import { McpToolPicker } from './McpToolPicker.tsx';

const Servers = z.array(McpServer);

/**
 * The graph's MCP servers: their declarations as JSON (few, and mostly pasted), and for each one
 * its live tool list to pick the allowed tools from.
 */
export function McpServersEditor({ graph }: { graph: Graph }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const servers = graph.mcpServers ?? [];
  const shown = JSON.stringify(servers, null, 2);
  const [draft, setDraft] = useState(shown);
  const [error, setError] = useState<string>();
  useEffect(() => setDraft(shown), [shown]);

  const save = (next: McpServer[]) => store.getState().updateGraph({ mcpServers: next.length ? next : undefined });
  const commit = () => {
    if (draft === shown) return setError(undefined);
    let value: unknown;
    try {
      value = JSON.parse(draft || '[]');
    } catch (e) {
      return setError((e as Error).message);
    }
    const parsed = Servers.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return setError(`mcpServers/${issue.path.join('/')}: ${issue.message}`);
    }
    setError(undefined);
    save(parsed.data);
  };

  return (
    <div className="field" data-testid="mcp-servers">
      <textarea className="code" rows={5} aria-label={t('mcp.title')} value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={commit} data-testid="mcp-servers-json" />
      {error && <small className="field-error" role="alert">{error}</small>}
      <small className="field-hint">{t('mcp.hint')}</small>
      {servers.map((server, index) => (
        <McpToolPicker
          key={server.id}
          server={server}
          allowedHosts={graph.limits.allowedHosts}
          onChange={(allowedTools) => save(servers.map((s, i) => (i === index ? { ...s, allowedTools } : s)))}
        />
      ))}
    </div>
  );
}
