import type { Graph, Topic, Subscription } from '../../../schemas/graph.ts';
import type { Agent, AgentKind } from '../../../schemas/kinds/index.ts';
import { classifyConnection, type ConnectionRefusal } from './connect.ts';
import { newId, uniqueName } from './ids.ts';
import { seedConfig } from './kinds.ts';

/** Pure graph edits: each returns a new graph and leaves its input untouched (undo keeps snapshots). */

export type Position = { x: number; y: number };

export function takenTypes(graph: Graph): Set<string> {
  return new Set([...graph.agents.map((a) => a.type), ...graph.topics.map((t) => t.type)]);
}

export function addAgent(graph: Graph, kind: AgentKind, at: Position): { graph: Graph; id: string } {
  const id = newId('a');
  const agent = { id, kind, type: uniqueName(kind, takenTypes(graph)), config: seedConfig(kind, graph) } as Agent;
  return { id, graph: { ...graph, agents: [...graph.agents, agent], layout: withPosition(graph, id, at) } };
}

export function addTopic(graph: Graph, at: Position): { graph: Graph; id: string } {
  const id = newId('t');
  const topic: Topic = { id, type: uniqueName('topic', takenTypes(graph)) };
  return { id, graph: { ...graph, topics: [...graph.topics, topic], layout: withPosition(graph, id, at) } };
}

export function connect(
  graph: Graph,
  source: string,
  target: string,
): { ok: true; graph: Graph; id: string } | { ok: false; reason: ConnectionRefusal } {
  const verdict = classifyConnection(graph, source, target);
  if (!verdict.ok) return verdict;
  if (verdict.kind === 'publication') {
    const id = newId('p');
    return {
      ok: true,
      id,
      graph: { ...graph, publications: [...graph.publications, { id, agent: source, topic: target }] },
    };
  }
  const id = newId('s');
  const subscription: Subscription = { id, topic: source, agent: target, kind: 'type' };
  return { ok: true, id, graph: { ...graph, subscriptions: [...graph.subscriptions, subscription] } };
}

/** Removes nodes and edges; edges of removed nodes go too, and entry/output stop naming them. */
export function remove(graph: Graph, nodeIds: Iterable<string>, edgeIds: Iterable<string>): Graph {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  if (nodes.size === 0 && edges.size === 0) return graph;
  const layoutNodes = { ...graph.layout.nodes };
  for (const id of nodes) delete layoutNodes[id];
  return {
    ...graph,
    agents: graph.agents.filter((a) => !nodes.has(a.id)),
    topics: graph.topics.filter((t) => !nodes.has(t.id)),
    subscriptions: graph.subscriptions.filter((s) => !edges.has(s.id) && !nodes.has(s.topic) && !nodes.has(s.agent)),
    publications: graph.publications.filter((p) => !edges.has(p.id) && !nodes.has(p.agent) && !nodes.has(p.topic)),
    entry: nodes.has(graph.entry) ? '' : graph.entry,
    output: graph.output.filter((id) => !nodes.has(id)),
    layout: { ...graph.layout, nodes: layoutNodes },
  };
}

export function updateAgent(graph: Graph, id: string, patch: Partial<Agent>): Graph {
  return { ...graph, agents: graph.agents.map((a) => (a.id === id ? ({ ...a, ...patch } as Agent) : a)) };
}

export function updateTopic(graph: Graph, id: string, patch: Partial<Topic>): Graph {
  return { ...graph, topics: graph.topics.map((t) => (t.id === id ? { ...t, ...patch } : t)) };
}

export function updateSubscription(graph: Graph, id: string, patch: Partial<Subscription>): Graph {
  return { ...graph, subscriptions: graph.subscriptions.map((s) => (s.id === id ? { ...s, ...patch } : s)) };
}

export function setEntry(graph: Graph, topicId: string): Graph {
  return { ...graph, entry: topicId };
}

export function toggleOutput(graph: Graph, topicId: string): Graph {
  const output = graph.output.includes(topicId)
    ? graph.output.filter((id) => id !== topicId)
    : [...graph.output, topicId];
  return { ...graph, output };
}

export function moveNodes(graph: Graph, positions: Record<string, Position>): Graph {
  return { ...graph, layout: { ...graph.layout, nodes: { ...graph.layout.nodes, ...positions } } };
}

function withPosition(graph: Graph, id: string, at: Position): Graph['layout'] {
  return { ...graph.layout, nodes: { ...graph.layout.nodes, [id]: { x: Math.round(at.x), y: Math.round(at.y) } } };
}
