import type { Graph } from '../../schemas/graph.ts';

/**
 * Agent types whose every publication goes to an output topic: their streamed tokens are the
 * answer as it forms, so request/response endpoints pass them on.
 */
export function streamedAgents(graph: Graph | undefined): Set<string> {
  if (!graph) return new Set();
  const outputs = new Set(graph.output);
  const byId = new Map(graph.agents.map((a) => [a.id, a.type]));
  const publishes = new Map<string, boolean>();
  for (const p of graph.publications) publishes.set(p.agent, (publishes.get(p.agent) ?? true) && outputs.has(p.topic));
  return new Set(
    [...publishes]
      .filter(([, only]) => only)
      .map(([id]) => byId.get(id))
      .filter((t): t is string => !!t),
  );
}
