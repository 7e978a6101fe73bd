import type { Graph } from '../../../schemas/graph.ts';
import { validateGraph } from '../../../schemas/validate.ts';
import { graphsApi, type GraphSummary } from '../api/graphs.ts';
import { newId } from '../model/ids.ts';

const isDraft = (graph: Graph) => !validateGraph(graph).ok;

/**
 * Stores a graph that came from outside (new, example, import) as a new graph on the runner, a
 * draft when invalid. Callers check for a graph with the same id first (`storedAs`): nothing is
 * renamed or duplicated silently here.
 */
export async function storeNewGraph(graph: Graph): Promise<string> {
  return (await graphsApi.create(graph, isDraft(graph))).id;
}

/** The stored graph with this id, if any, from the list (so an absent one is no failed request). */
export async function storedAs(id: string): Promise<GraphSummary | undefined> {
  return (await graphsApi.list()).find((g) => g.id === id);
}

/** Saves an imported graph as the next version of the stored graph with its id. */
export async function storeAsNewVersion(graph: Graph, stored: GraphSummary): Promise<string> {
  return (await graphsApi.update(graph, stored.version, isDraft(graph))).id;
}

/** Stores an imported graph beside the one with its id: a fresh id, the name marked as a copy. */
export async function storeAsCopy(graph: Graph, copyName: string): Promise<string> {
  return storeNewGraph({ ...graph, id: newId('g'), name: copyName });
}
