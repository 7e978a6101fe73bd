import { problem, type Problem } from '../problem.ts';
import type { GraphView } from './view.ts';

/** Positions for nodes that no longer exist are harmless but are leftovers worth cleaning. */
export function layoutProblems(view: GraphView): Problem[] {
  if (view.unreadable.has('agent') || view.unreadable.has('topic')) return [];
  return view.layoutNodes
    .filter((id) => {
      const kind = view.declared.get(id);
      return kind !== 'agent' && kind !== 'topic';
    })
    .map((id) =>
      problem(
        'warning',
        ['layout', 'nodes', id],
        'layout_unknown_node',
        `has a position for "${id}", which is not an agent or topic of this graph`,
        {},
        { id },
      ),
    );
}
