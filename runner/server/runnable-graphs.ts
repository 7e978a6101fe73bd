import type { GraphStore, StoredGraph } from '../store/types.ts';

/** The newest runnable (non-draft) version of each of a tenant's graphs: what `/v1/models` and `/mcp` tools list. */
export async function runnableGraphs(store: GraphStore, tenant: string): Promise<StoredGraph[]> {
  const newest = new Map<string, StoredGraph>();
  for (const g of await store.listGraphs(tenant)) {
    if (g.draft) continue;
    const seen = newest.get(g.id);
    if (!seen || seen.updatedAt < g.updatedAt) newest.set(g.id, g);
  }
  return [...newest.values()];
}
