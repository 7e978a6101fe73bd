import type { Graph } from '../../../schemas/graph.ts';

/** One hop a message made: published by `sender` on topic type `topic`, delivered to `recipients`. */
export type Hop = { sender: string; topic: string; recipients: readonly string[] };

/**
 * The canvas edges a hop travelled: the sender's publication to the topic and the topic's
 * subscriptions to each recipient. Prefix subscriptions match topic types that start with theirs.
 */
export function edgesOfHop(graph: Graph, hop: Hop): string[] {
  const agentsById = new Map(graph.agents.map((a) => [a.id, a]));
  const topicsById = new Map(graph.topics.map((t) => [t.id, t]));
  const recipients = new Set(hop.recipients);
  const ids: string[] = [];
  for (const p of graph.publications) {
    if (agentsById.get(p.agent)?.type === hop.sender && topicsById.get(p.topic)?.type === hop.topic) ids.push(p.id);
  }
  for (const s of graph.subscriptions) {
    const type = topicsById.get(s.topic)?.type;
    if (!type || !recipients.has(agentsById.get(s.agent)?.type ?? '')) continue;
    if (s.kind === 'prefix' ? hop.topic.startsWith(type) : hop.topic === type) ids.push(s.id);
  }
  return ids;
}
