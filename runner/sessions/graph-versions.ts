import type { Graph } from '../../schemas/graph.ts';
import type { ModelDef } from '../../schemas/models.ts';
import { validateGraph } from '../../schemas/validate.ts';
import type { AgentEnv } from '../agents/env.ts';
import { graphNamespace } from '../agents/graph-names.ts';
import type { LoadedGraph } from '../agents/load-graph.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import type { AgentRuntime } from '../runtime/types.ts';
import type { GraphStore, StoredGraph } from '../store/types.ts';

export type GraphLoader = (
  runtime: AgentRuntime,
  graph: Graph,
  env: AgentEnv,
  namespace: string,
) => LoadedGraph | Promise<LoadedGraph>;

/** Turn and session bounds: the graph's own, capped by the runner's ceilings. */
export interface EffectiveLimits {
  maxMessagesPerTurn: number;
  maxTurnMs: number;
  maxTokensPerSession: number;
}

/** One graph version as loaded into the shared runtime, shared by every session pinned to it. */
export class GraphVersion {
  readonly outputs: ReadonlySet<string>;
  readonly limits: EffectiveLimits;
  private readonly recipientsByTopic = new Map<string, string[]>();

  constructor(
    readonly tenant: string,
    readonly graph: Graph,
    readonly stored: StoredGraph,
    readonly loaded: LoadedGraph,
    ceilings: Partial<EffectiveLimits>,
  ) {
    this.outputs = loaded.outputTopicTypes;
    const l = graph.limits;
    this.limits = {
      maxMessagesPerTurn: Math.min(l.maxMessagesPerTurn, ceilings.maxMessagesPerTurn ?? Infinity),
      maxTurnMs: Math.min(l.maxTurnMs, ceilings.maxTurnMs ?? Infinity),
      maxTokensPerSession: Math.min(l.maxTokensPerSession, ceilings.maxTokensPerSession ?? Infinity),
    };
  }

  get version(): number {
    return this.stored.version;
  }

  model(modelId: string | undefined): ModelDef | undefined {
    return modelId === undefined ? undefined : this.graph.models.find((m) => m.id === modelId);
  }

  /** Graph agent types subscribed to a runtime topic type, the sender excepted. */
  recipients(runtimeTopicType: string, sender?: string): string[] {
    let all = this.recipientsByTopic.get(runtimeTopicType);
    if (!all) {
      all = this.subscribersOf(this.loaded.graphTopicType(runtimeTopicType) ?? runtimeTopicType);
      this.recipientsByTopic.set(runtimeTopicType, all);
    }
    return sender === undefined ? all : all.filter((a) => a !== sender);
  }

  private subscribersOf(topicType: string): string[] {
    const { topics, agents, subscriptions } = this.graph;
    const typeOfTopic = new Map(topics.map((t) => [t.id, t.type]));
    const typeOfAgent = new Map(agents.map((a) => [a.id, a.type]));
    const found = new Set<string>();
    for (const s of subscriptions) {
      const subscribed = typeOfTopic.get(s.topic);
      if (subscribed === undefined) continue;
      const hit = s.kind === 'prefix' ? topicType.startsWith(subscribed) : topicType === subscribed;
      const agent = typeOfAgent.get(s.agent);
      if (hit && agent !== undefined) found.add(agent);
    }
    return [...found];
  }
}

/**
 * Loads each (tenant, graph id, version) into the shared runtime once, on first use, under a
 * namespace derived from those three so a snapshot taken before a restart restores into the
 * same agent types after it.
 */
export class GraphVersions {
  private readonly loaded = new Map<string, Promise<GraphVersion>>();

  constructor(
    private readonly deps: {
      graphs: GraphStore;
      runtime: AgentRuntime;
      loadGraph: GraphLoader;
      env: (tenant: string, graph: Graph) => AgentEnv;
      ceilings: Partial<EffectiveLimits>;
    },
  ) {}

  /** The version a new session should run: the one asked for, or the newest that is not a draft. */
  async pick(tenant: string, graphId: string, version?: number): Promise<StoredGraph> {
    if (version !== undefined) {
      const stored = await this.deps.graphs.getGraph(tenant, graphId, version);
      if (!stored) throw notFound('graph version', `${graphId}@${version}`);
      if (stored.draft)
        throw invalid(
          `graph "${graphId}" version ${version} is a draft${whyDraft(stored.graph)}: publish it before starting sessions`,
          { graphId, version },
        );
      return stored;
    }
    const versions = await this.deps.graphs.listGraphVersions(tenant, graphId);
    if (!versions.length) throw notFound('graph', graphId);
    let newest: StoredGraph | undefined;
    for (const v of [...versions].reverse()) {
      const stored = await this.deps.graphs.getGraph(tenant, graphId, v);
      if (stored && !stored.draft) return stored;
      newest ??= stored;
    }
    const why = newest ? whyDraft(newest.graph) : '';
    throw invalid(
      `graph "${graphId}" has only draft versions${why && `; the newest${why}`}: publish one before starting sessions`,
      { graphId },
    );
  }

  get(tenant: string, graphId: string, version: number): Promise<GraphVersion> {
    const key = `${tenant}/${graphId}/${version}`;
    let entry = this.loaded.get(key);
    if (!entry) {
      entry = this.load(tenant, graphId, version);
      this.loaded.set(key, entry);
      entry.catch(() => this.loaded.delete(key));
    }
    return entry;
  }

  async unloadAll(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const entry of all)
      await entry.then(
        (v) => v.loaded.unload(),
        () => undefined,
      );
  }

  private async load(tenant: string, graphId: string, version: number): Promise<GraphVersion> {
    const stored = await this.deps.graphs.getGraph(tenant, graphId, version);
    if (!stored)
      throw new AppError(
        'graph_missing',
        409,
        `graph "${graphId}" version ${version} of this session is no longer stored`,
        { graphId, version },
      );
    const result = validateGraph(stored.graph);
    if (!result.ok || !result.graph) {
      throw invalid(`graph "${graphId}" version ${version} is not valid`, {
        graphId,
        version,
        problems: result.problems.filter((p) => p.severity === 'error'),
      });
    }
    const graph = result.graph;
    const namespace = graphNamespace(tenant, graphId, version);
    const loaded = await this.deps.loadGraph(this.deps.runtime, graph, this.deps.env(tenant, graph), namespace);
    return new GraphVersion(tenant, graph, stored, loaded, this.deps.ceilings);
  }
}

/**
 * Why a draft cannot run, in words: its first error, naming the node by label. Read only when a
 * session is refused, so the refusal says what to fix (a model the graph does not define, say).
 */
function whyDraft(graph: Graph): string {
  const problems = validateGraph(graph).problems.filter((p) => p.severity === 'error');
  const first = problems[0];
  if (!first) return '';
  const node =
    first.nodeId === undefined ? undefined : [...graph.agents, ...graph.topics].find((n) => n.id === first.nodeId);
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return ` with errors: ${node ? `"${node.label || node.type}" ` : ''}${first.message}${more}`;
}
