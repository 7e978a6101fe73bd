import { useTranslation } from 'react-i18next';
import type { Graph } from '../../../schemas/graph.ts';
import type { Agent } from '../../../schemas/kinds/index.ts';
import { Row } from './fields.tsx';
import { useMcpTools } from './useMcpTools.ts';

type Props = { agent: Agent; graph: Graph; onConfig: (config: Agent['config']) => void };

/** The config fields through which an agent uses the graph's MCP servers (the generated form skips them). */
export function McpAgentFields({ agent, graph, onConfig }: Props) {
  if (agent.kind === 'assistant')
    return (
      <AssistantServers
        servers={agent.config.mcpServers ?? []}
        graph={graph}
        onChange={(mcpServers) => onConfig({ ...agent.config, mcpServers: mcpServers.length ? mcpServers : undefined })}
      />
    );
  if (agent.kind === 'tool') return <ToolAgentTool config={agent.config} graph={graph} onConfig={onConfig} />;
  return null;
}

/** An assistant offers its model the allowed tools of each server ticked here. */
function AssistantServers({
  servers,
  graph,
  onChange,
}: {
  servers: string[];
  graph: Graph;
  onChange: (servers: string[]) => void;
}) {
  const { t } = useTranslation();
  const declared = (graph.mcpServers ?? []).map((s) => s.id);
  // A reference to a server the graph no longer declares stays visible, so it can be unticked.
  const all = [...declared, ...servers.filter((id) => !declared.includes(id))];
  return (
    <fieldset className="field checks" data-testid="config-mcpServers">
      <legend>{t('fields.mcpServers')}</legend>
      {all.length === 0 && <small className="field-hint">{t('mcp.noServers')}</small>}
      {all.map((id) => (
        <label key={id}>
          <input
            type="checkbox"
            checked={servers.includes(id)}
            onChange={(e) => onChange(e.target.checked ? [...servers, id] : servers.filter((s) => s !== id))}
          />{' '}
          {declared.includes(id) ? id : t('mcp.undeclared', { id })}
        </label>
      ))}
    </fieldset>
  );
}

type ToolConfig = Extract<Agent, { kind: 'tool' }>['config'];

/**
 * A tool agent's MCP tool: one server of the graph and one of its tools. The tools offered are
 * the server's allowed ones, or its live list when it allows all. Picking one clears the
 * built-in tool: an agent runs exactly one.
 */
function ToolAgentTool({
  config,
  graph,
  onConfig,
}: {
  config: ToolConfig;
  graph: Graph;
  onConfig: (config: ToolConfig) => void;
}) {
  const { t } = useTranslation();
  const servers = graph.mcpServers ?? [];
  const server = servers.find((s) => s.id === config.mcp?.server);
  const { load } = useMcpTools(
    server && server.allowedTools.length === 0 ? server : undefined,
    graph.limits.allowedHosts,
    true,
  );
  const tools = server?.allowedTools.length
    ? server.allowedTools
    : load.state === 'loaded'
      ? load.tools.map((tool) => tool.name)
      : [];
  const current = config.mcp?.tool ?? '';
  const offered = current && !tools.includes(current) ? [...tools, current] : tools;

  const set = (mcp: ToolConfig['mcp']) => {
    const { tool: _builtin, mcp: _old, ...rest } = config;
    onConfig(mcp ? { ...rest, mcp } : { ...rest, ...(config.tool ? { tool: config.tool } : {}) });
  };
  const pickServer = (id: string) => {
    const next = servers.find((s) => s.id === id);
    if (!next) return set(undefined);
    set({ server: id, tool: next.allowedTools.length === 1 ? next.allowedTools[0]! : '' });
  };

  return (
    <>
      <Row label={t('mcp.agentServer')}>
        {(id) => (
          <select
            id={id}
            data-testid="config-mcp-server"
            value={config.mcp?.server ?? ''}
            onChange={(e) => pickServer(e.target.value)}
          >
            <option value="">{t('inspector.none')}</option>
            {servers.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}
              </option>
            ))}
          </select>
        )}
      </Row>
      {config.mcp && (
        <Row label={t('mcp.agentTool')}>
          {(id) => (
            <select
              id={id}
              data-testid="config-mcp-tool"
              value={current}
              onChange={(e) => set({ server: config.mcp!.server, tool: e.target.value })}
            >
              {!current && <option value="">{t('inspector.choose')}</option>}
              {offered.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          )}
        </Row>
      )}
      {load.state === 'loading' && <small className="field-hint">{t('mcp.loading')}</small>}
      {load.state === 'failed' && (
        <small className="field-error" role="alert" data-testid="config-mcp-error">
          {t('mcp.failed', { error: load.message })}
        </small>
      )}
    </>
  );
}
