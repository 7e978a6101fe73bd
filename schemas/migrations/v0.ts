import { GRAPH_FORMAT } from '../graph.ts';

/**
 * Version 0: the first sketch of the format, one flat list of nodes and one of edges, as React
 * Flow keeps them. Topics and agents were both "nodes" told apart by `kind`, edges had no
 * direction of their own (topic → agent meant subscription, agent → topic publication), and
 * positions lived on the nodes.
 */
export interface GraphV0 {
  version: 0;
  id: string;
  title: string;
  nodes: Array<{ id: string; kind: string; name: string; config?: Record<string, unknown>; x?: number; y?: number }>;
  edges: Array<{ from: string; to: string; prefix?: boolean }>;
  models?: unknown[];
  entry: string;
  /** v0 had a single output topic. */
  output: string;
}

export class MigrationError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

const record = (v: unknown, path: (string | number)[]): Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new MigrationError(path, 'must be an object');
  return v as Record<string, unknown>;
};
const list = (v: unknown, path: (string | number)[]): unknown[] => {
  if (!Array.isArray(v)) throw new MigrationError(path, 'must be an array');
  return v;
};

/** v0 → v1. Leaves field values as they are: validation afterwards judges them. */
export function migrateV0(doc: unknown): unknown {
  const v0 = record(doc, []);
  const nodes = list(v0.nodes, ['nodes']).map((n, i) => record(n, ['nodes', i]));
  const edges = list(v0.edges, ['edges']).map((e, i) => record(e, ['edges', i]));
  const kindOf = new Map(nodes.map((n) => [n.id, n.kind === 'topic' ? 'topic' : 'agent']));
  const usedIds = new Set(nodes.map((n) => String(n.id)));
  const freshId = (base: string) => {
    let id = base;
    for (let n = 2; usedIds.has(id); n++) id = `${base}-${n}`;
    usedIds.add(id);
    return id;
  };

  const subscriptions: unknown[] = [];
  const publications: unknown[] = [];
  edges.forEach((edge, i) => {
    const from = kindOf.get(edge.from);
    const to = kindOf.get(edge.to);
    if (from === 'topic' && to === 'agent') {
      subscriptions.push({
        id: freshId(`sub-${i}`),
        topic: edge.from,
        agent: edge.to,
        kind: edge.prefix ? 'prefix' : 'type',
      });
    } else if (from === 'agent' && to === 'topic') {
      publications.push({ id: freshId(`pub-${i}`), agent: edge.from, topic: edge.to });
    } else {
      throw new MigrationError(['edges', i], 'must connect a topic and an agent that exist');
    }
  });

  // fromEntries defines own properties, so an id like "__proto__" cannot reach a prototype.
  const positions = Object.fromEntries(
    nodes
      .filter((n) => typeof n.x === 'number' && typeof n.y === 'number')
      .map((n) => [String(n.id), { x: n.x as number, y: n.y as number }]),
  );
  return {
    format: GRAPH_FORMAT,
    version: 1,
    id: v0.id,
    name: v0.title,
    models: v0.models ?? [],
    agents: nodes
      .filter((n) => n.kind !== 'topic')
      .map((n) => ({ id: n.id, type: n.name, kind: n.kind, config: n.config ?? {} })),
    topics: nodes.filter((n) => n.kind === 'topic').map((n) => ({ id: n.id, type: n.name })),
    subscriptions,
    publications,
    entry: v0.entry,
    output: v0.output === undefined ? [] : [v0.output],
    layout: { nodes: positions },
  };
}
