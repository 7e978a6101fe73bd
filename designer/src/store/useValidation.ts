import { useDeferredValue, useMemo } from 'react';
import { validateGraph } from '../../../schemas/validate.ts';
import type { Graph } from '../../../schemas/graph.ts';
import type { Problem } from '../../../schemas/problem.ts';
import { marksFor } from '../model/marks.ts';
import type { Marks } from '../canvas/project.ts';

export type Validation = { problems: Problem[]; marks: Marks; runnable: boolean };

/** Before the first validation has run: nothing marked, nothing runnable yet. */
const PENDING: Validation = { problems: [], marks: { nodes: {}, edges: {} }, runnable: false };

/** Validates a graph with the shared validator and folds its problems into canvas marks. */
export function validate(graph: Graph): Validation {
  const { problems } = validateGraph(graph);
  return { problems, marks: marksFor(graph, problems), runnable: !problems.some((p) => p.severity === 'error') };
}

/**
 * Live validation. It runs as a deferred update, so a large graph paints before it is checked
 * and typing never waits for it; moving nodes (layout) does not revalidate.
 */
export function useValidation(graph: Graph): Validation {
  const g = useDeferredValue<Graph | null>(graph, null);
  return useMemo(
    () => (g ? validate(g) : PENDING),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [
      g?.id,
      g?.name,
      g?.description,
      g?.models,
      g?.agents,
      g?.topics,
      g?.subscriptions,
      g?.publications,
      g?.entry,
      g?.output,
      g?.limits,
      g?.meta,
      g?.manifest,
    ],
  );
}
