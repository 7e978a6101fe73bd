import type { Graph } from '../../../schemas/graph.ts';
import type { Problem } from '../../../schemas/problem.ts';
import { request } from './http.ts';

/** A graph's layout in a few numbers (runner/server/graph-thumbnail.ts). */
export interface Thumbnail {
  nodes: [number, number, 0 | 1][];
  edges: [number, number][];
}

/** One row of the start page. */
export interface GraphSummary {
  id: string;
  version: number;
  draft: boolean;
  updatedAt: number;
  name: string;
  description: string;
  tags: string[];
  agents: number;
  topics: number;
  thumbnail?: Thumbnail;
}

/** One stored version of a graph. */
export interface GraphVersion {
  id: string;
  version: number;
  draft: boolean;
  updatedAt: number;
  graph: Graph;
  problems: Problem[];
}

export interface ExampleSummary {
  name: string;
  title: string;
  description: string;
  agents: number;
  topics: number;
}

const enc = encodeURIComponent;

export const graphsApi = {
  list: (q?: string) =>
    request<{ graphs: GraphSummary[] }>('GET', `/graphs${q ? `?q=${enc(q)}` : ''}`).then((r) => r.graphs),
  get: (id: string) => request<GraphVersion>('GET', `/graphs/${enc(id)}`),
  create: (graph: Graph, draft: boolean) => request<GraphVersion>('POST', '/graphs', { graph, draft }),
  /** Refused with 409 when another tab saved first: `baseVersion` is the version this edit started from. */
  update: (graph: Graph, baseVersion: number, draft: boolean) =>
    request<GraphVersion>('PUT', `/graphs/${enc(graph.id)}`, { graph, baseVersion, draft }),
  remove: (id: string) => request<void>('DELETE', `/graphs/${enc(id)}`),
  duplicate: (id: string) => request<GraphVersion>('POST', `/graphs/${enc(id)}/duplicate`, {}),
  examples: () => request<{ examples: ExampleSummary[] }>('GET', '/examples').then((r) => r.examples),
  example: (name: string) =>
    request<{ name: string; graph: unknown }>('GET', `/examples/${enc(name)}`).then((r) => r.graph),
};
