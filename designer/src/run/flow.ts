import type { Graph } from '../../../schemas/graph.ts';

/** One hop a message made: published by `sender` on topic type `topic`, delivered to `recipients`. */
export type Hop = { sender: string; topic: string; recipients: readonly string[] };

/** Edge ids keyed by what a hop names: `sender topic` for publications, `topic recipient` for subscriptions. */
type HopIndex = { publications: Map<string, string[]>; exact: Map<string, string[]>; prefix: Map<string, string[]> };

const key = (a: string, b: string) => `${a}\u0000${b}`;
const push = (map: Map<string, string[]>, k: string, id: string) => {
  const list = map.get(k);
  if (list) list.push(id);
  else map.set(k, [id]);
};

export type Wiring = Pick<Graph, 'agents' | 'topics' | 'subscriptions' | 'publications'>;
// Built once per wiring (edits replace these lists), so a live message costs lookups for its own hop, not a pass over the graph.
let last: { wiring: Wiring; index: HopIndex } | undefined;
const sameWiring = (a: Wiring, b: Wiring) =>
  a.agents === b.agents &&
  a.topics === b.topics &&
  a.subscriptions === b.subscriptions &&
  a.publications === b.publications;

function hopIndex(graph: Wiring): HopIndex {
  if (last && sameWiring(last.wiring, graph)) return last.index;
  const agentType = new Map(graph.agents.map((a) => [a.id, a.type]));
  const topicType = new Map(graph.topics.map((t) => [t.id, t.type]));
  const index: HopIndex = { publications: new Map(), exact: new Map(), prefix: new Map() };
  for (const p of graph.publications) {
    const [agent, topic] = [agentType.get(p.agent), topicType.get(p.topic)];
    if (agent !== undefined && topic !== undefined) push(index.publications, key(agent, topic), p.id);
  }
  for (const s of graph.subscriptions) {
    const [topic, agent] = [topicType.get(s.topic), agentType.get(s.agent)];
    if (agent !== undefined && topic !== undefined)
      push(s.kind === 'prefix' ? index.prefix : index.exact, key(topic, agent), s.id);
  }
  last = {
    wiring: {
      agents: graph.agents,
      topics: graph.topics,
      subscriptions: graph.subscriptions,
      publications: graph.publications,
    },
    index,
  };
  return index;
}

/**
 * The canvas edges a hop travelled: the sender's publication to the topic and the topic's
 * subscriptions to each recipient. Prefix subscriptions match topic types that start with theirs.
 */
export function edgesOfHop(graph: Wiring, hop: Hop): string[] {
  const index = hopIndex(graph);
  const ids = [...(index.publications.get(key(hop.sender, hop.topic)) ?? [])];
  for (const recipient of new Set(hop.recipients)) {
    ids.push(...(index.exact.get(key(hop.topic, recipient)) ?? []));
    for (let k = 1; k <= hop.topic.length; k++)
      ids.push(...(index.prefix.get(key(hop.topic.slice(0, k), recipient)) ?? []));
  }
  return ids;
}
