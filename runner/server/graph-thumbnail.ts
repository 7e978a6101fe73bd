import type { Graph } from '../../schemas/graph.ts';

/** A graph's layout in a few numbers, for the start page's cards: node points and edges between them. */
export interface Thumbnail {
  /** [x, y, 0 = topic | 1 = agent], rounded. */
  nodes: [number, number, 0 | 1][];
  /** Index pairs into `nodes`. */
  edges: [number, number][];
}

/** Enough to show the shape; a huge graph's card does not carry all of it. */
const MAX_NODES = 300;
const MAX_EDGES = 600;

/** The thumbnail of a stored graph, tolerant of drafts (any field may be missing or malformed). */
export function thumbnailOf(graph: Partial<Graph>): Thumbnail {
  const positions = graph.layout?.nodes ?? {};
  const index = new Map<string, number>();
  const nodes: Thumbnail['nodes'] = [];
  const add = (id: unknown, kind: 0 | 1) => {
    if (typeof id !== 'string' || nodes.length >= MAX_NODES || index.has(id) || !Object.hasOwn(positions, id)) return;
    const at = positions[id];
    if (!at || !Number.isFinite(at.x) || !Number.isFinite(at.y)) return;
    index.set(id, nodes.length);
    nodes.push([Math.round(at.x), Math.round(at.y), kind]);
  };
  for (const t of Array.isArray(graph.topics) ? graph.topics : []) add(t?.id, 0);
  for (const a of Array.isArray(graph.agents) ? graph.agents : []) add(a?.id, 1);
  const edges: Thumbnail['edges'] = [];
  const links = [
    ...(Array.isArray(graph.subscriptions) ? graph.subscriptions.map((s) => [s?.topic, s?.agent]) : []),
    ...(Array.isArray(graph.publications) ? graph.publications.map((p) => [p?.agent, p?.topic]) : []),
  ];
  for (const [from, to] of links) {
    if (edges.length >= MAX_EDGES) break;
    const a = index.get(from as string);
    const b = index.get(to as string);
    if (a !== undefined && b !== undefined) edges.push([a, b]);
  }
  return { nodes, edges };
}
