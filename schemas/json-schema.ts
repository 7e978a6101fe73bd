import { z } from 'zod';
import { Graph } from './graph.ts';

/** Where the generated JSON Schema is committed (for editors, other languages and other runners). */
export const GRAPH_SCHEMA_FILE = new URL('./graph.schema.json', import.meta.url);

/**
 * The JSON Schema of a graph as written by hand or exported (`io: 'input'`: fields with
 * defaults are optional). Structural only: the semantic rules live in validate.ts.
 */
export function graphJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(Graph, { io: 'input' });
  return { $schema, $id: 'https://switchboard.dev/schemas/graph.schema.json', title: 'Switchboard graph', ...schema };
}

export const graphJsonSchemaText = (): string => JSON.stringify(graphJsonSchema(), null, 2) + '\n';
