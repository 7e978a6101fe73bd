import type { ElkNode } from 'elkjs/lib/elk-api.js';
import type { Graph } from '../../../schemas/graph.ts';
import type { Size } from '../store/editorStore.ts';

const DEFAULT_SIZE: Size = { width: 180, height: 70 };

/**
 * Layered left-to-right: messages read from the entry topic towards the outputs. A long chain
 * wraps into rows (ELK's graph wrapping) so it fits a screen instead of one endless diagonal.
 */
export const layoutOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.spacing.nodeNodeBetweenLayers': '90',
  'elk.spacing.nodeNode': '40',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.cycleBreaking.strategy': 'GREEDY',
  'elk.layered.wrapping.strategy': 'MULTI_EDGE',
  'elk.aspectRatio': '1.6',
};

export function toElk(graph: Graph, measured: Record<string, Size>): ElkNode {
  const size = (id: string) => measured[id] ?? DEFAULT_SIZE;
  return {
    id: 'root',
    layoutOptions,
    children: [...graph.topics, ...graph.agents].map((n) => ({ id: n.id, ...size(n.id) })),
    edges: [
      ...graph.subscriptions.map((s) => ({ id: s.id, sources: [s.topic], targets: [s.agent] })),
      ...graph.publications.map((p) => ({ id: p.id, sources: [p.agent], targets: [p.topic] })),
    ],
  };
}

export function positionsOf(laid: ElkNode): Record<string, { x: number; y: number }> {
  return Object.fromEntries(
    (laid.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]),
  );
}
