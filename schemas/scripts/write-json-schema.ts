import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GRAPH_SCHEMA_FILE, graphJsonSchemaText } from '../json-schema.ts';

// `npm run schema`: regenerate after changing the zod schema; json-schema.test.ts fails until you do.
writeFileSync(GRAPH_SCHEMA_FILE, graphJsonSchemaText());
console.log(`wrote ${fileURLToPath(GRAPH_SCHEMA_FILE)}`);
