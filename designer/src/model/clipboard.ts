import { z } from 'zod';
import { Publication, Subscription, Topic, type Graph } from '../../../schemas/graph.ts';
import { Agent } from '../../../schemas/kinds/index.ts';
import { ModelDef } from '../../../schemas/models.ts';
import { newId, uniqueName } from './ids.ts';
import { takenTypes, type Position } from './edit.ts';

export const CLIPBOARD_FORMAT = 'switchboard/clipboard';
export const CLIPBOARD_VERSION = 1;

/** What goes on the system clipboard: versioned, so another tab or a later release can read it. */
const ClipboardPayload = z.object({
  format: z.literal(CLIPBOARD_FORMAT),
  version: z.literal(CLIPBOARD_VERSION),
  agents: z.array(Agent),
  topics: z.array(Topic),
  subscriptions: z.array(Subscription),
  publications: z.array(Publication),
  /** Models the copied agents name, so a paste into another graph still runs. */
  models: z.array(ModelDef).default([]),
  positions: z.record(z.string(), z.object({ x: z.number(), y: z.number() })),
});
export type ClipboardPayload = z.infer<typeof ClipboardPayload>;

/** The selected nodes and the edges between them. */
export function copySelection(graph: Graph, nodeIds: readonly string[]): ClipboardPayload {
  const ids = new Set(nodeIds);
  const agents = graph.agents.filter((a) => ids.has(a.id));
  const usedModels = new Set(agents.map((a) => (a.config as { model?: string }).model).filter(Boolean));
  return {
    format: CLIPBOARD_FORMAT,
    version: CLIPBOARD_VERSION,
    agents,
    topics: graph.topics.filter((t) => ids.has(t.id)),
    subscriptions: graph.subscriptions.filter((s) => ids.has(s.topic) && ids.has(s.agent)),
    publications: graph.publications.filter((p) => ids.has(p.agent) && ids.has(p.topic)),
    models: graph.models.filter((m) => usedModels.has(m.id)),
    positions: Object.fromEntries(
      [...ids].filter((id) => graph.layout.nodes[id]).map((id) => [id, graph.layout.nodes[id]!]),
    ),
  };
}

export function serializeClipboard(payload: ClipboardPayload): string {
  return JSON.stringify(payload);
}

/** Reads clipboard text; anything that is not our payload yields a reason instead of a throw. */
export function parseClipboard(text: string): { ok: true; payload: ClipboardPayload } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = ClipboardPayload.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { ok: true, payload: parsed.data };
}

/**
 * Pastes with fresh ids and non-clashing type names, shifted by `offset`; router rules and
 * edges are rewired to the new ids. Returns the new node ids so they can become the selection.
 */
export function pasteInto(
  graph: Graph,
  payload: ClipboardPayload,
  offset: Position,
): { graph: Graph; nodeIds: string[] } {
  const rename = new Map<string, string>();
  const taken = takenTypes(graph);
  const fresh = (id: string, prefix: string) => {
    const next = newId(prefix);
    rename.set(id, next);
    return next;
  };
  const claim = (type: string) => {
    const name = uniqueName(type, taken);
    taken.add(name);
    return name;
  };
  const topics = payload.topics.map((t) => ({ ...t, id: fresh(t.id, 't'), type: claim(t.type) }));
  const agents = payload.agents.map((a) => ({ ...a, id: fresh(a.id, 'a'), type: claim(a.type) }));
  const mapTopic = (id: string | undefined) => (id && rename.get(id)) || id;
  for (const agent of agents) {
    if (agent.kind !== 'router') continue;
    agent.config = {
      ...agent.config,
      rules: agent.config.rules.map((r) => ({ ...r, topic: mapTopic(r.topic)! })),
      defaultTopic: mapTopic(agent.config.defaultTopic),
    };
  }
  const knownModels = new Set(graph.models.map((m) => m.id));
  const positions = Object.fromEntries(
    Object.entries(payload.positions)
      .filter(([id]) => rename.has(id))
      .map(([id, p]) => [rename.get(id)!, { x: Math.round(p.x + offset.x), y: Math.round(p.y + offset.y) }]),
  );
  return {
    nodeIds: [...topics, ...agents].map((n) => n.id),
    graph: {
      ...graph,
      models: [...graph.models, ...payload.models.filter((m) => !knownModels.has(m.id))],
      agents: [...graph.agents, ...agents],
      topics: [...graph.topics, ...topics],
      subscriptions: [
        ...graph.subscriptions,
        ...payload.subscriptions.map((s) => ({
          ...s,
          id: newId('s'),
          topic: rename.get(s.topic)!,
          agent: rename.get(s.agent)!,
        })),
      ],
      publications: [
        ...graph.publications,
        ...payload.publications.map((p) => ({
          ...p,
          id: newId('p'),
          agent: rename.get(p.agent)!,
          topic: rename.get(p.topic)!,
        })),
      ],
      layout: { ...graph.layout, nodes: { ...graph.layout.nodes, ...positions } },
    },
  };
}
