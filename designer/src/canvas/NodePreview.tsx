import { useTranslation } from 'react-i18next';
import type { Agent } from '../../../schemas/kinds/index.ts';

/** The settings that tell agents of one kind apart at a glance: tools, rules, the tool run. */
export function NodePreview({ agent }: { agent: Agent }) {
  const { t } = useTranslation();
  const parts: string[] = [];
  const config = agent.config as {
    tools?: unknown[];
    rules?: unknown[];
    tool?: string;
    mode?: string;
    expected?: number;
    mcp?: { server: string; tool: string };
    mcpServers?: string[];
  };
  if (agent.kind === 'assistant' && Array.isArray(config.tools))
    parts.push(t('preview.tools', { count: config.tools.length }));
  if (agent.kind === 'router')
    parts.push(
      config.mode === 'model' ? t('preview.byModel') : t('preview.rules', { count: config.rules?.length ?? 0 }),
    );
  if (agent.kind === 'assistant' && config.mcpServers?.length)
    parts.push(t('mcp.preview', { servers: config.mcpServers.join(', ') }));
  if (agent.kind === 'tool' && config.tool) parts.push(config.tool);
  if (agent.kind === 'tool' && config.mcp) parts.push(`${config.mcp.server} / ${config.mcp.tool}`);
  if (parts.length === 0) return null;
  return (
    <div className="node-meta node-preview" data-testid="node-preview">
      {parts.join(' · ')}
    </div>
  );
}
