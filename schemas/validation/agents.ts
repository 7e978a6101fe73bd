import { problem, type PathSegment, type Problem } from '../problem.ts';
import { BuiltinToolName } from '../tools.ts';
import type { GraphView } from './view.ts';

/** Rules about one agent's own configuration. */
export function agentProblems(view: GraphView): Problem[] {
  const problems: Problem[] = [];
  const published = new Map<string, Set<string>>();
  for (const { item } of view.publications) {
    if (!published.has(item.agent)) published.set(item.agent, new Set());
    published.get(item.agent)!.add(item.topic);
  }

  const scriptedToolCalls = new Map(
    view.models.map(({ item }) => [
      item.id,
      item.provider === 'scripted' ? item.rules.flatMap((r) => r.toolCalls ?? []).map((c) => c.name) : [],
    ]),
  );
  const noHosts = view.allowedHosts !== undefined && view.allowedHosts.length === 0;
  const http = 'http_get';

  for (const { index, item: agent } of view.agents) {
    const at: PathSegment[] = ['agents', index, 'config'];
    const nodeId = { nodeId: agent.id };
    if (agent.kind === 'assistant') {
      const enabled = new Set<string>(agent.config.tools);
      // Names an MCP server may provide are judged by validation/mcp.ts, which knows the servers.
      const viaMcp = (agent.config.mcpServers ?? []).length > 0;
      for (const name of new Set(scriptedToolCalls.get(agent.config.model) ?? [])) {
        if (!enabled.has(name) && !(viaMcp && !BuiltinToolName.options.includes(name as never))) {
          problems.push(
            problem(
              'warning',
              [...at, 'tools'],
              'tool_not_enabled',
              `its model "${agent.config.model}" calls the tool "${name}", which this assistant does not enable`,
              nodeId,
              { model: agent.config.model, tool: name },
            ),
          );
        }
      }
      if (noHosts && enabled.has(http)) {
        problems.push(
          problem(
            'warning',
            [...at, 'tools'],
            'no_allowed_hosts',
            `uses ${http}, but limits.allowedHosts is empty, so every request will be refused`,
            nodeId,
            { tool: http },
          ),
        );
      }
    }
    if (agent.kind === 'tool' && noHosts && agent.config.tool === http) {
      problems.push(
        problem(
          'warning',
          [...at, 'tool'],
          'no_allowed_hosts',
          `uses ${http}, but limits.allowedHosts is empty, so every request will be refused`,
          nodeId,
          { tool: http },
        ),
      );
    }
    if (agent.kind === 'router') {
      const { mode, rules, defaultTopic, model } = agent.config;
      if (mode === 'model' && model === undefined) {
        problems.push(
          problem('error', [...at, 'model'], 'router_needs_model', 'a router in "model" mode needs a model', nodeId),
        );
      }
      if (mode === 'rules' && rules.length === 0 && defaultTopic === undefined) {
        problems.push(
          problem(
            'warning',
            [...at, 'rules'],
            'router_no_routes',
            'has no rules and no default topic, so it never routes anything',
            nodeId,
          ),
        );
      }
      // Only meaningful once every publication is known; a partial view would invent errors.
      if (!view.complete) continue;
      const allowed = published.get(agent.id) ?? new Set<string>();
      const routes: [string | undefined, PathSegment[]][] = [
        ...rules.map((r, k): [string, PathSegment[]] => [r.topic, [...at, 'rules', k, 'topic']]),
        [defaultTopic, [...at, 'defaultTopic']],
      ];
      for (const [topic, path] of routes) {
        if (topic === undefined || allowed.has(topic) || view.declared.get(topic) !== 'topic') continue;
        problems.push(
          problem(
            'error',
            path,
            'route_not_published',
            `routes to topic "${topic}", which is not among this router's publications (add a publication from "${agent.id}" to "${topic}")`,
            nodeId,
            { topic, agent: agent.id },
          ),
        );
      }
    }
    if (agent.kind === 'terminator') {
      const { maxMessages, mention, maxTokens } = agent.config;
      if (maxMessages === undefined && !mention && maxTokens === undefined) {
        problems.push(
          problem(
            'warning',
            at,
            'terminator_no_condition',
            'has no condition (maxMessages, mention or maxTokens), so it never ends a turn',
            nodeId,
          ),
        );
      }
    }
  }
  return problems;
}
