import type { Graph } from '../../schemas/graph.ts';
import type { Problem } from '../../schemas/problem.ts';
import { validateGraph } from '../../schemas/validate.ts';

/** A graph checked for saving: `graph` is set when it is runnable (warnings allowed). */
export interface GraphCheck {
  graph?: Graph;
  problems: Problem[];
}

export function checkGraph(input: unknown): GraphCheck {
  const result = validateGraph(input);
  return result.ok && result.graph ? { graph: result.graph, problems: result.problems } : { problems: result.problems };
}
