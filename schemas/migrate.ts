import { GRAPH_VERSION } from './graph.ts';
import { migrateV0, MigrationError } from './migrations/v0.ts';
import { problem, type Problem, type ProblemParams } from './problem.ts';

/** Step from version n to n + 1; one file per step under migrations/. */
const STEPS: Record<number, (doc: unknown) => unknown> = {
  0: migrateV0,
};

export type MigrationResult =
  { ok: true; value: unknown; from: number; problems: [] } | { ok: false; problems: Problem[] };

const refuse = (
  path: (string | number)[],
  code: string,
  message: string,
  params: ProblemParams = {},
): MigrationResult => ({
  ok: false,
  problems: [problem('error', path, code, message, {}, params)],
});

/**
 * Upgrades a graph document of any known version to GRAPH_VERSION, one step at a time. A
 * current document comes back as is; a document from a newer Switchboard is refused rather than
 * guessed at. Never throws.
 */
export function migrate(doc: unknown): MigrationResult {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return refuse([], 'invalid_type', 'a graph document must be a JSON object', { variant: 'document' });
  const version = (doc as { version?: unknown }).version;
  if (version === undefined)
    return refuse(['version'], 'required', 'is required (the format version, a number)', { variant: 'version' });
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    return refuse(
      ['version'],
      'invalid_version',
      `must be a whole number from 0 to ${GRAPH_VERSION}, not ${JSON.stringify(version)}`,
      { max: GRAPH_VERSION, actual: JSON.stringify(version) ?? 'undefined' },
    );
  }
  if (version > GRAPH_VERSION) {
    return refuse(
      ['version'],
      'future_version',
      `version ${version} is newer than this Switchboard understands (up to ${GRAPH_VERSION}); upgrade Switchboard to open it`,
      { version, max: GRAPH_VERSION },
    );
  }
  let value: unknown = doc;
  try {
    for (let v = version; v < GRAPH_VERSION; v++) value = STEPS[v]!(value);
  } catch (e) {
    if (e instanceof MigrationError)
      return refuse(e.path, 'migration_failed', `cannot upgrade from version ${version}: ${e.message}`, {
        version,
        detail: e.message,
      });
    return refuse([], 'migration_failed', `cannot upgrade from version ${version}: ${(e as Error).message}`, {
      version,
      detail: (e as Error).message,
    });
  }
  return { ok: true, value, from: version, problems: [] };
}
