import { createHash } from 'node:crypto';
import type { Graph } from '../../schemas/graph.ts';
import { invalid } from '../errors.ts';

/**
 * No "." here: the namespace ends at the first dot of a runtime type, so "a" + "b.c" can never
 * meet "a.b" + "c", and a namespaced prefix subscription never reaches another namespace.
 */
const NAMESPACE = /^[A-Za-z0-9_-]{1,100}$/;

/** A readable, collision-free namespace for one version of one tenant's graph. */
export function graphNamespace(tenant: string, graphId: string, version: number): string {
  const hash = createHash('sha256')
    .update(`${tenant}\u0000${graphId}\u0000${version}`)
    .digest('base64url')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 10);
  return `${graphId}-v${version}-${hash}`;
}

/**
 * Names of one loaded graph in the shared runtime: agent type T becomes "<ns>.T" and topic type T
 * becomes "<ns>.T". Prefix subscriptions keep working: "<ns>.P" is a prefix of "<ns>.X" exactly
 * when P is a prefix of X.
 */
export class GraphNames {
  private readonly prefix: string;
  private readonly topicTypeById: Map<string, string>;

  constructor(
    readonly namespace: string,
    graph: Graph,
  ) {
    if (!NAMESPACE.test(namespace))
      throw invalid(`namespace "${namespace}" may only contain letters, digits, "_" and "-" (1 to 100 characters)`, {
        namespace,
      });
    this.prefix = `${namespace}.`;
    this.topicTypeById = new Map(graph.topics.map((t) => [t.id, this.prefix + t.type]));
  }

  agentType(graphAgentType: string): string {
    return this.prefix + graphAgentType;
  }

  /** Runtime topic type of a topic node; throws when the graph has no such topic. */
  topicType(topicNodeId: string): string {
    const type = this.topicTypeById.get(topicNodeId);
    if (type === undefined) throw invalid(`graph has no topic with id "${topicNodeId}"`, { topic: topicNodeId });
    return type;
  }

  /** The graph's name for a runtime topic type, or undefined when it belongs to another namespace. */
  graphTopicType(runtimeTopicType: string): string | undefined {
    return runtimeTopicType.startsWith(this.prefix) ? runtimeTopicType.slice(this.prefix.length) : undefined;
  }

  graphAgentType(runtimeAgentType: string): string | undefined {
    return runtimeAgentType.startsWith(this.prefix) ? runtimeAgentType.slice(this.prefix.length) : undefined;
  }
}
