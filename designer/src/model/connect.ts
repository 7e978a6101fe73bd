import type { Graph } from '../../../schemas/graph.ts';

export type NodeRole = 'agent' | 'topic';
export type ConnectionRefusal = 'agent_to_agent' | 'topic_to_topic' | 'duplicate' | 'unknown_node';
export type ConnectionKind = 'subscription' | 'publication';

export function nodeRole(graph: Graph, id: string): NodeRole | undefined {
  if (graph.agents.some((a) => a.id === id)) return 'agent';
  if (graph.topics.some((t) => t.id === id)) return 'topic';
  return undefined;
}

/**
 * What a drag from `source` to `target` means. Agents talk only through topics, as in AutoGen:
 * agent → topic publishes, topic → agent subscribes; anything else is refused with a reason.
 */
export function classifyConnection(
  graph: Graph,
  source: string,
  target: string,
): { ok: true; kind: ConnectionKind } | { ok: false; reason: ConnectionRefusal } {
  const from = nodeRole(graph, source);
  const to = nodeRole(graph, target);
  if (!from || !to) return { ok: false, reason: 'unknown_node' };
  if (from === 'agent' && to === 'agent') return { ok: false, reason: 'agent_to_agent' };
  if (from === 'topic' && to === 'topic') return { ok: false, reason: 'topic_to_topic' };
  const kind: ConnectionKind = from === 'agent' ? 'publication' : 'subscription';
  const exists =
    kind === 'publication'
      ? graph.publications.some((p) => p.agent === source && p.topic === target)
      : graph.subscriptions.some((s) => s.topic === source && s.agent === target);
  return exists ? { ok: false, reason: 'duplicate' } : { ok: true, kind };
}
