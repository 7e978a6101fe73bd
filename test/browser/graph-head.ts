import { GRAPH_FORMAT, GRAPH_VERSION, type Graph } from '../../schemas/graph.ts';

/** The fields every graph a browser test stores starts with. */
export const graphHead = (
  id: string,
  name: string,
): Pick<Graph, 'format' | 'version' | 'id' | 'name' | 'description' | 'meta'> => ({
  format: GRAPH_FORMAT,
  version: GRAPH_VERSION,
  id,
  name,
  description: '',
  meta: { tags: [] },
});
