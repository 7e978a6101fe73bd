import type { Graph } from '../../../schemas/graph.ts';
import type { Problem } from '../../../schemas/problem.ts';
import type { Marks } from '../canvas/project.ts';
import type { Mark } from '../canvas/types.ts';

/**
 * Where a problem belongs on the canvas: the validator's nodeId/edgeId, or else the node or edge
 * its JSON pointer walks into (e.g. "/agents/2/config/model" → the third agent).
 */
export function problemTarget(graph: Graph, problem: Problem): { nodeId?: string; edgeId?: string } {
  if (problem.nodeId || problem.edgeId) return { nodeId: problem.nodeId, edgeId: problem.edgeId };
  const [collection, index] = problem.path.split('/').slice(1);
  const i = Number(index);
  if (!Number.isInteger(i)) return {};
  switch (collection) {
    case 'agents':
      return { nodeId: graph.agents[i]?.id };
    case 'topics':
      return { nodeId: graph.topics[i]?.id };
    case 'subscriptions':
      return { edgeId: graph.subscriptions[i]?.id };
    case 'publications':
      return { edgeId: graph.publications[i]?.id };
    default:
      return {};
  }
}

/** Problems folded into one mark per node and edge, the worst severity winning. */
export function marksFor(graph: Graph, problems: readonly Problem[]): Marks {
  const marks: Marks = { nodes: {}, edges: {} };
  for (const problem of problems) {
    const target = problemTarget(graph, problem);
    if (target.nodeId) add(marks.nodes, target.nodeId, problem);
    if (target.edgeId) add(marks.edges, target.edgeId, problem);
  }
  return marks;
}

function add(into: Record<string, Mark>, id: string, problem: Problem) {
  const mark = into[id];
  if (!mark) into[id] = { severity: problem.severity, problems: [problem] };
  else
    into[id] = {
      severity: mark.severity === 'error' || problem.severity === 'error' ? 'error' : 'warning',
      problems: [...mark.problems, problem],
    };
}
