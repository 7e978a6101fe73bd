import type { TFunction } from 'i18next';
import type { Graph } from '../../../schemas/graph.ts';
import type { Problem } from '../../../schemas/problem.ts';
import { problemTarget } from './marks.ts';

/** Params that hold an agent's or topic's id: shown as the node's label. */
const NODE_PARAMS = ['agent', 'topic', 'owner', 'from', 'to', 'id'] as const;

/** What people call a node: its label, else its type name, else its id. */
export function nodeName(graph: Graph | undefined, id: string): string {
  const node = graph?.agents.find((a) => a.id === id) ?? graph?.topics.find((tp) => tp.id === id);
  return node ? node.label || node.type : id;
}

/**
 * A problem in the interface's language, built from its code and params; a node's id is shown as
 * its label. A code this designer has no text for falls back to the validator's English sentence.
 */
export function problemText(problem: Problem, graph: Graph | undefined, t: TFunction): string {
  const key = `problems.${problem.code}`;
  const params: Record<string, string | number> = { ...(problem.params ?? {}) };
  for (const name of NODE_PARAMS) {
    const value = params[name];
    if (typeof value === 'string') params[name] = nodeName(graph, value);
  }
  const { variant, ...values } = params;
  // i18next's context picks "problems.<code>_<variant>", falling back to "problems.<code>".
  return t(key, {
    ...values,
    context: variant === undefined ? undefined : String(variant),
    defaultValue: problem.message,
  });
}

/** A problem as one line outside the Problems list: the node's name first, when it concerns one. */
export function problemLine(problem: Problem, graph: Graph, t: TFunction): string {
  const node = problemTarget(graph, problem).nodeId;
  const text = problemText(problem, graph, t);
  return node ? t('runBlocked.line', { node: nodeName(graph, node), problem: text }) : text;
}
