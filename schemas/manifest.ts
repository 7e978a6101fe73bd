import { z } from 'zod';
import type { Graph } from './graph.ts';
import { CredentialName, Id } from './ids.ts';
import { AGENT_KINDS, type AgentKind } from './kinds/index.ts';
import type { McpServer } from './mcp.ts';
import { BuiltinToolName } from './tools.ts';

/** The env var the openai client reads when a model names no credential. */
export const DEFAULT_OPENAI_CREDENTIAL = 'OPENAI_API_KEY';

/**
 * What a graph needs to run somewhere else, declared up front (as Dify's DSL `dependencies`
 * does): the agent kinds and tools the runner must implement, the models it must reach, the
 * credential NAMES it must be configured with (never their values) and the hosts `http_get` may
 * call. An exported graph carries it in its optional `manifest` field, so the file still
 * validates against graph.schema.json.
 */
export const Manifest = z
  .object({
    agentKinds: z.array(z.string().min(1).max(64)).max(64),
    models: z
      .array(
        z
          .object({
            id: Id,
            provider: z.string().min(1).max(64),
            model: z.string().max(200).optional(),
            baseUrl: z.string().max(2000).optional(),
            credential: CredentialName.optional(),
          })
          .strict(),
      )
      .max(100),
    credentials: z.array(CredentialName).max(100),
    tools: z.array(BuiltinToolName).max(16),
    allowedHosts: z.array(z.string().min(1).max(253)).max(100),
    /**
     * MCP servers the graph uses: a stdio server's name the runner config must define, an HTTP
     * server's host its allow-list must admit. Absent when the graph uses none.
     */
    mcpServers: z
      .array(
        z
          .object({
            id: Id,
            transport: z.enum(['http', 'stdio']),
            server: Id.optional(),
            host: z.string().max(300).optional(),
          })
          .strict(),
      )
      .max(32)
      .optional(),
  })
  .strict();
export type Manifest = z.infer<typeof Manifest>;

const uniqueSorted = <T extends string>(items: Iterable<T>): T[] => [...new Set(items)].sort();

export function graphManifest(graph: Graph): Manifest {
  const kinds = new Set<AgentKind>(graph.agents.map((a) => a.kind));
  const tools = graph.agents.flatMap((a) =>
    a.kind === 'assistant' ? a.config.tools : a.kind === 'tool' && a.config.tool ? [a.config.tool] : [],
  );
  const models = graph.models.map((m) =>
    m.provider === 'openai'
      ? {
          id: m.id,
          provider: m.provider,
          model: m.model,
          baseUrl: m.baseUrl,
          credential: m.credential ?? DEFAULT_OPENAI_CREDENTIAL,
        }
      : { id: m.id, provider: m.provider },
  );
  return {
    agentKinds: AGENT_KINDS.filter((k) => kinds.has(k)),
    // Drop absent optionals so the manifest reads the same after a JSON round trip.
    models: models.map(
      (m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Manifest['models'][number],
    ),
    credentials: uniqueSorted([
      ...models.flatMap((m) => ('credential' in m && m.credential ? [m.credential] : [])),
      ...(graph.mcpServers ?? []).flatMap((s) => (s.transport === 'http' && s.credential ? [s.credential] : [])),
    ]),
    tools: uniqueSorted(tools),
    allowedHosts: uniqueSorted(graph.limits.allowedHosts),
    ...(graph.mcpServers?.length ? { mcpServers: graph.mcpServers.map(mcpNeed) } : {}),
  };
}

/** Where a server is, never how it authenticates: the credential name is already in `credentials`. */
const mcpNeed = (s: McpServer): NonNullable<Manifest['mcpServers']>[number] =>
  s.transport === 'stdio'
    ? { id: s.id, transport: s.transport, server: s.server }
    : { id: s.id, transport: s.transport, host: new URL(s.url).host };

/** The graph as a self-describing file for another runner: the graph itself plus its manifest. */
export function exportGraph(graph: Graph): Graph {
  const { manifest: _stale, ...rest } = graph;
  return { ...rest, manifest: graphManifest(graph) };
}

/** True when the graph carries a manifest that no longer matches what it needs. */
export function manifestIsStale(graph: Graph): boolean {
  return graph.manifest !== undefined && JSON.stringify(graph.manifest) !== JSON.stringify(graphManifest(graph));
}
