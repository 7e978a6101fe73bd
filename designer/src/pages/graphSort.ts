import { useState } from 'react';
import type { GraphSummary } from '../api/graphs.ts';

export const GRAPH_SORTS = ['updated', 'name', 'agents'] as const;
export type GraphSort = (typeof GRAPH_SORTS)[number];

const KEY = 'switchboard.graphSort';

/** Newest first, by name (the interface's collation), or biggest first. */
export function sortGraphs(graphs: GraphSummary[], sort: GraphSort): GraphSummary[] {
  const byName = (a: GraphSummary, b: GraphSummary) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  const order: Record<GraphSort, (a: GraphSummary, b: GraphSummary) => number> = {
    updated: (a, b) => b.updatedAt - a.updatedAt || byName(a, b),
    name: byName,
    agents: (a, b) => b.agents - a.agents || byName(a, b),
  };
  return [...graphs].sort(order[sort]);
}

/** The chosen order, remembered in this browser. */
export function useSort(): [GraphSort, (sort: GraphSort) => void] {
  const [sort, setSort] = useState<GraphSort>(() => {
    const saved = globalThis.localStorage?.getItem(KEY);
    return (GRAPH_SORTS as readonly string[]).includes(saved ?? '') ? (saved as GraphSort) : 'updated';
  });
  return [
    sort,
    (next) => {
      globalThis.localStorage?.setItem(KEY, next);
      setSort(next);
    },
  ];
}
