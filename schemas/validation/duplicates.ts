import { FORBIDDEN_KEYS } from '../guard.ts';
import { pointer, problem, type Problem } from '../problem.ts';
import type { GraphView, NodeOrEdge } from './view.ts';

const COLLECTION: Record<NodeOrEdge, string> = {
  agent: 'agents',
  topic: 'topics',
  subscription: 'subscriptions',
  publication: 'publications',
  model: 'models',
};

const mark = (kind: NodeOrEdge, id: string) =>
  kind === 'agent' || kind === 'topic'
    ? { nodeId: id }
    : kind === 'subscription' || kind === 'publication'
      ? { edgeId: id }
      : {};

/** Ids are unique across every collection (an edge and a node may not share one); type names within theirs. */
export function duplicateProblems(view: GraphView): Problem[] {
  const problems: Problem[] = [];
  const firstById = new Map<string, string>();
  const collections: [NodeOrEdge, { index: number; item: { id: string } }[]][] = [
    ['agent', view.agents],
    ['topic', view.topics],
    ['subscription', view.subscriptions],
    ['publication', view.publications],
    ['model', view.models],
  ];
  for (const [kind, items] of collections) {
    for (const { index, item } of items) {
      const at = [COLLECTION[kind], index];
      // Ids become object keys (layout positions, and maps in clients), where these names misbehave.
      if (FORBIDDEN_KEYS.has(item.id)) {
        problems.push(
          problem('error', [...at, 'id'], 'reserved_id', `"${item.id}" cannot be used as an id`, mark(kind, item.id), {
            id: item.id,
          }),
        );
      }
      const first = firstById.get(item.id);
      if (first) {
        problems.push(
          problem(
            'error',
            [...at, 'id'],
            'duplicate_id',
            `id "${item.id}" is already used at ${first}`,
            mark(kind, item.id),
            { id: item.id, first },
          ),
        );
      } else firstById.set(item.id, pointer(at));
    }
  }

  const uniqueNames = (kind: 'agent' | 'topic', items: { index: number; item: { id: string; type: string } }[]) => {
    const seen = new Map<string, string>();
    for (const { index, item } of items) {
      if (FORBIDDEN_KEYS.has(item.type)) {
        problems.push(
          problem(
            'error',
            [COLLECTION[kind], index, 'type'],
            'reserved_id',
            `"${item.type}" cannot be used as a ${kind} type name`,
            { nodeId: item.id },
            { id: item.type, variant: kind },
          ),
        );
      }
      const owner = seen.get(item.type);
      if (owner !== undefined) {
        problems.push(
          problem(
            'error',
            [COLLECTION[kind], index, 'type'],
            `duplicate_${kind}_type`,
            `${kind} type "${item.type}" is already used by ${kind} "${owner}"`,
            { nodeId: item.id },
            { type: item.type, owner },
          ),
        );
      } else seen.set(item.type, item.id);
    }
  };
  uniqueNames('agent', view.agents);
  uniqueNames('topic', view.topics);

  const uniqueEdges = (
    kind: 'subscription' | 'publication',
    items: { index: number; item: { id: string; agent: string; topic: string } }[],
  ) => {
    const seen = new Map<string, string>();
    for (const { index, item } of items) {
      const key = `${item.topic}\u0000${item.agent}`;
      const owner = seen.get(key);
      const [from, to] = kind === 'subscription' ? [item.topic, item.agent] : [item.agent, item.topic];
      if (owner !== undefined) {
        problems.push(
          problem(
            'error',
            [COLLECTION[kind], index],
            'duplicate_edge',
            `${kind} "${from}" → "${to}" repeats ${kind} "${owner}"`,
            { edgeId: item.id },
            { from, to, owner, variant: kind },
          ),
        );
      } else seen.set(key, item.id);
    }
  };
  uniqueEdges('subscription', view.subscriptions);
  uniqueEdges('publication', view.publications);
  return problems;
}
