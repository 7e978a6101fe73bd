import type { Graph } from '../../../schemas/graph.ts';
import { validateGraph } from '../../../schemas/validate.ts';
import { graphsApi } from '../api/graphs.ts';
import { ApiFailure } from '../api/http.ts';
import { newId } from '../model/ids.ts';

/**
 * Stores a graph that came from outside (new, example, import) as a new graph on the runner:
 * a draft when invalid, a fresh id when its id is taken. Returns the id to open.
 */
export async function storeNewGraph(graph: Graph): Promise<string> {
  const draft = !validateGraph(graph).ok;
  try {
    return (await graphsApi.create(graph, draft)).id;
  } catch (e) {
    if (!(e instanceof ApiFailure && e.status === 409)) throw e;
    return (await graphsApi.create({ ...graph, id: newId('g') }, draft)).id;
  }
}
