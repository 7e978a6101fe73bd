/** Everything the designer, the runner and the CLI need from the graph format, in one import. */
export * from './ids.ts';
export * from './models.ts';
export * from './tools.ts';
export * from './mcp.ts';
export * from './kinds/index.ts';
export * from './graph.ts';
export * from './protocol.ts';
export * from './problem.ts';
export { GUARD_LIMITS, FORBIDDEN_KEYS, parseGraphText, checkDocument, type GuardResult } from './guard.ts';
export { migrate, type MigrationResult } from './migrate.ts';
export { validateGraph, type ValidationResult } from './validate.ts';
export { Manifest, graphManifest, exportGraph, manifestIsStale, DEFAULT_OPENAI_CREDENTIAL } from './manifest.ts';
export { graphJsonSchema } from './json-schema.ts';
