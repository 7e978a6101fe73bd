import { validGraph } from './fixtures.ts';
import type { GraphInput } from './graph.ts';
import { validateGraph } from './validate.ts';

/** The fixture as tests mutate it, fields it does not know included. */
export type Doc = GraphInput & Record<string, unknown>;

/** Problems of the fixture after one mutation. */
export function problemsAfter(mutate: (g: Doc) => void) {
  const g = validGraph() as Doc;
  mutate(g);
  return validateGraph(g).problems;
}

/** Compact view so expectations read as the problem list. */
export const brief = (ps: ReturnType<typeof problemsAfter>) =>
  ps.map(({ severity, path, code }) => `${severity} ${code} ${path}`);
