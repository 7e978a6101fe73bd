import { useMemo } from 'react';
import { validateGraph } from '../../../schemas/validate.ts';
import type { Graph } from '../../../schemas/graph.ts';
import type { Problem } from '../../../schemas/problem.ts';
import { marksFor } from '../model/marks.ts';
import type { Marks } from '../canvas/project.ts';

export type Validation = { problems: Problem[]; marks: Marks; runnable: boolean };

/** Validates a graph with the shared validator; layout is ignored so dragging never revalidates. */
export function validate(graph: Graph): Validation {
  const { problems } = validateGraph(graph);
  const marks = marksFor(graph, problems);
  return { problems, marks, runnable: !problems.some((p) => p.severity === 'error') };
}

export function useValidation(graph: Graph): Validation {
  const { layout: _layout, ...semantic } = graph;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => validate(graph), Object.values(semantic));
}
