import { z } from 'zod';
import { Id } from '../ids.ts';
import { Agent } from '../kinds/index.ts';
import { ModelDef } from '../models.ts';
import { Publication, Subscription, Topic, type Graph } from '../graph.ts';

export type Indexed<T> = { index: number; item: T };
export type NodeOrEdge = 'agent' | 'topic' | 'subscription' | 'publication' | 'model';

/**
 * What the semantic rules look at. When the document is structurally valid it is the whole
 * graph; otherwise it holds every item that is valid on its own (keeping its index, for paths),
 * so a single bad field does not hide every reference problem elsewhere.
 */
export interface GraphView {
  /** True when the whole document passed the schema: rules about the graph as a whole may run. */
  complete: boolean;
  agents: Indexed<Agent>[];
  topics: Indexed<z.infer<typeof Topic>>[];
  subscriptions: Indexed<Subscription>[];
  publications: Indexed<Publication>[];
  models: Indexed<ModelDef>[];
  entry?: string;
  /** The session-start topic, when the graph names one. */
  start?: string;
  output: Indexed<string>[];
  layoutNodes: string[];
  /** Hosts http_get may reach; undefined when the limits are not valid (unknown, so not judged). */
  allowedHosts?: readonly string[];
  /** Every id the document declares, valid item or not, so references to a broken item are not also called dangling. */
  declared: Map<string, NodeOrEdge>;
  /** Kinds whose whole collection is unreadable (not an array): references to them cannot be judged. */
  unreadable: Set<NodeOrEdge>;
}

const indexed = <T>(items: readonly T[]): Indexed<T>[] => items.map((item, index) => ({ index, item }));

export function viewOfGraph(graph: Graph): GraphView {
  const declared = new Map<string, NodeOrEdge>();
  const declare = (kind: NodeOrEdge, items: readonly { id: string }[]) => {
    for (const { id } of items) if (!declared.has(id)) declared.set(id, kind);
  };
  declare('agent', graph.agents);
  declare('topic', graph.topics);
  declare('subscription', graph.subscriptions);
  declare('publication', graph.publications);
  declare('model', graph.models);
  return {
    complete: true,
    agents: indexed(graph.agents),
    topics: indexed(graph.topics),
    subscriptions: indexed(graph.subscriptions),
    publications: indexed(graph.publications),
    models: indexed(graph.models),
    entry: graph.entry,
    start: graph.start,
    output: indexed(graph.output),
    layoutNodes: Object.keys(graph.layout.nodes),
    allowedHosts: graph.limits.allowedHosts,
    declared,
    unreadable: new Set(),
  };
}

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function validItems<T>(schema: z.ZodType<T>, raw: unknown): Indexed<T>[] {
  const out: Indexed<T>[] = [];
  asArray(raw).forEach((item, index) => {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push({ index, item: parsed.data });
  });
  return out;
}

export function viewOfDocument(doc: unknown): GraphView {
  const root = asRecord(doc);
  const declared = new Map<string, NodeOrEdge>();
  const unreadable = new Set<NodeOrEdge>();
  const kinds: [NodeOrEdge, string][] = [
    ['agent', 'agents'],
    ['topic', 'topics'],
    ['subscription', 'subscriptions'],
    ['publication', 'publications'],
    ['model', 'models'],
  ];
  for (const [kind, field] of kinds) {
    // `models` may be left out (it has a default); the others are required anyway.
    if (!Array.isArray(root[field]) && !(field === 'models' && root[field] === undefined)) unreadable.add(kind);
    for (const item of asArray(root[field])) {
      const id = asRecord(item).id;
      if (typeof id === 'string' && !declared.has(id)) declared.set(id, kind);
    }
  }
  const entry = Id.safeParse(root.entry);
  const start = Id.safeParse(root.start);
  return {
    complete: false,
    agents: validItems(Agent, root.agents),
    topics: validItems(Topic, root.topics),
    subscriptions: validItems(Subscription, root.subscriptions),
    publications: validItems(Publication, root.publications),
    models: validItems(ModelDef, root.models),
    entry: entry.success ? entry.data : undefined,
    start: start.success ? start.data : undefined,
    output: validItems(Id, root.output),
    layoutNodes: Object.keys(asRecord(asRecord(root.layout).nodes)),
    declared,
    unreadable,
  };
}
