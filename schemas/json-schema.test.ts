import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRAPH_SCHEMA_FILE, graphJsonSchema, graphJsonSchemaText } from './json-schema.ts';

describe('graph.schema.json', () => {
  it('is up to date with the zod schema (run `npm run schema` to regenerate)', () => {
    expect(readFileSync(GRAPH_SCHEMA_FILE, 'utf8')).toBe(graphJsonSchemaText());
  });

  it('describes the input shape: required fields only where no default exists', () => {
    const schema = graphJsonSchema() as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual([
      'format',
      'version',
      'id',
      'name',
      'agents',
      'topics',
      'subscriptions',
      'publications',
      'entry',
      'output',
    ]);
    expect(Object.keys(schema.properties)).toContain('manifest');
  });
});
