import { Position, type NodeHandle } from '@xyflow/react';
import type { Graph } from '../../../schemas/graph.ts';
import type { Selection, Size } from '../store/editorStore.ts';
import { agentModel } from '../model/kinds.ts';
import type { AgentFlowNode, FlowEdge, FlowNode, Mark, TopicFlowNode } from './types.ts';

export type Marks = { nodes: Record<string, Mark>; edges: Record<string, Mark> };
/** The words on edges, in the interface's language: a new object when the language changes. */
export type EdgeText = {
  subscription(topic: string, agent: string): string;
  publication(agent: string, topic: string): string;
  prefix: string;
};
export type ProjectInput = {
  graph: Graph;
  selection: Selection;
  measured: Record<string, Size>;
  marks: Marks;
  text: EdgeText;
};

const GRID_FALLBACK = 40;
/** Sizes assumed until React Flow has measured a node. */
const ESTIMATED = { agent: { width: 190, height: 84 }, topic: { width: 170, height: 66 } };
const HANDLE = 10;

/**
 * Where the in (left) and out (right) handles sit, as styles.css places them. Declaring them
 * lets React Flow skip mounting every node once to find its handles, so with
 * `onlyRenderVisibleElements` a first render mounts only what is on screen.
 */
function handlesFor(size: Size): NodeHandle[] {
  const y = size.height / 2 - HANDLE / 2;
  return [
    { id: 'in', type: 'target', position: Position.Left, x: -HANDLE / 2, y, width: HANDLE, height: HANDLE },
    {
      id: 'out',
      type: 'source',
      position: Position.Right,
      x: size.width - HANDLE / 2,
      y,
      width: HANDLE,
      height: HANDLE,
    },
  ];
}

/**
 * Turns the graph into React Flow nodes and edges. Objects are reused while their inputs are
 * unchanged, so React Flow and the memoised node components skip them: dragging one node of a
 * thousand rebuilds one node.
 */
export function createProjector() {
  const nodeCache = new Map<string, { key: unknown[]; node: FlowNode }>();
  const edgeCache = new Map<string, { key: unknown[]; edge: FlowEdge }>();

  function reuse<T>(cache: Map<string, { key: unknown[]; value?: T }>, id: string, key: unknown[], build: () => T): T {
    const hit = cache.get(id);
    if (hit && hit.key.length === key.length && hit.key.every((k, i) => k === key[i])) return hit.value as T;
    const value = build();
    cache.set(id, { key, value });
    return value;
  }

  return function project({ graph, selection, measured, marks, text }: ProjectInput): {
    nodes: FlowNode[];
    edges: FlowEdge[];
  } {
    const selectedNodes = new Set(selection.nodes);
    const selectedEdges = new Set(selection.edges);
    const subscribers = new Map<string, number>();
    for (const s of graph.subscriptions) subscribers.set(s.topic, (subscribers.get(s.topic) ?? 0) + 1);
    const modelLabels = new Map(graph.models.map((m) => [m.id, m.label ?? (m.provider === 'openai' ? m.model : m.id)]));
    const scriptedModels = new Set(graph.models.filter((m) => m.provider === 'scripted').map((m) => m.id));
    const outputs = new Set(graph.output);
    const position = (id: string, index: number) =>
      graph.layout.nodes[id] ?? { x: (index % 8) * 240, y: Math.floor(index / 8) * 160 + GRID_FALLBACK };

    const nodes: FlowNode[] = [];
    // One builder for both node types: what differs is the data (built only on a cache miss) and
    // what it depends on.
    const place = <N extends FlowNode>(
      type: N['type'] & keyof typeof ESTIMATED,
      id: string,
      index: number,
      depends: unknown[],
      data: () => N['data'],
    ) => {
      const pos = position(id, index);
      const size = measured[id] ?? ESTIMATED[type];
      const selected = selectedNodes.has(id);
      const key = [...depends, pos, selected, measured[id], marks.nodes[id]];
      nodes.push(
        reuse(
          nodeCache as never,
          id,
          key,
          () => ({ id, type, position: pos, selected, measured: size, handles: handlesFor(size), data: data() }) as N,
        ),
      );
    };
    graph.topics.forEach((topic, index) => {
      const count = subscribers.get(topic.id) ?? 0;
      const entry = graph.entry === topic.id;
      const start = graph.start === topic.id;
      const output = outputs.has(topic.id);
      place<TopicFlowNode>('topic', topic.id, index, [topic, count, entry, start, output], () => ({
        topic,
        subscribers: count,
        entry,
        start,
        output,
        mark: marks.nodes[topic.id],
      }));
    });
    graph.agents.forEach((agent, index) => {
      const model = agentModel(agent);
      const modelLabel = model ? (modelLabels.get(model) ?? model) : undefined;
      const scripted = model !== undefined && scriptedModels.has(model);
      place<AgentFlowNode>('agent', agent.id, index + graph.topics.length, [agent, modelLabel, scripted], () => ({
        agent,
        modelLabel,
        scripted,
        mark: marks.nodes[agent.id],
      }));
    });

    const edges: FlowEdge[] = [];
    const names = new Map<string, string>([
      ...graph.agents.map((a) => [a.id, a.type] as const),
      ...graph.topics.map((tp) => [tp.id, tp.type] as const),
    ]);
    const edge = (id: string, source: string, target: string, kind: 'subscription' | 'publication', label?: string) => {
      const mark = marks.edges[id];
      const selected = selectedEdges.has(id);
      const from = names.get(source) ?? source;
      const to = names.get(target) ?? target;
      const key = [source, target, kind, label, mark, selected, from, to, text];
      edges.push(
        reuse(edgeCache as never, id, key, (): FlowEdge => ({
          id,
          type: 'live',
          source,
          target,
          selected,
          label,
          data: { kind },
          className: ['edge', kind, mark ? `mark-${mark.severity}` : ''].filter(Boolean).join(' '),
          ariaLabel: kind === 'subscription' ? text.subscription(from, to) : text.publication(from, to),
        })),
      );
    };
    for (const s of graph.subscriptions)
      edge(s.id, s.topic, s.agent, 'subscription', s.kind === 'prefix' ? text.prefix : undefined);
    for (const p of graph.publications) edge(p.id, p.agent, p.topic, 'publication');

    pruneCache(nodeCache, nodes);
    pruneCache(edgeCache, edges);
    return { nodes, edges };
  };
}

function pruneCache(cache: Map<string, unknown>, live: { id: string }[]) {
  if (cache.size <= live.length) return;
  const ids = new Set(live.map((x) => x.id));
  for (const id of cache.keys()) if (!ids.has(id)) cache.delete(id);
}
