import { Graph, GRAPH_VERSION } from './graph.ts';
import { checkDocument } from './guard.ts';
import { manifestIsStale } from './manifest.ts';
import { migrate } from './migrate.ts';
import { hasErrors, problem, type Problem } from './problem.ts';
import { agentProblems } from './validation/agents.ts';
import { duplicateProblems } from './validation/duplicates.ts';
import { flowProblems } from './validation/flow.ts';
import { layoutProblems } from './validation/layout.ts';
import { mcpProblems, stdioCommandProblems } from './validation/mcp.ts';
import { patternProblems } from './validation/patterns.ts';
import { referenceProblems } from './validation/references.ts';
import { droppedFieldProblems, structuralProblems } from './validation/structural.ts';
import { viewOfDocument, viewOfGraph, type GraphView } from './validation/view.ts';

export interface ValidationResult {
  /** No errors (warnings allowed): the graph may be saved and run. */
  ok: boolean;
  /** The parsed graph (defaults applied, upgraded to the current version) when the structure is valid, even if semantic errors remain. */
  graph?: Graph;
  /** Every problem found, structural first, then semantic, each in document order. */
  problems: Problem[];
}

const semanticRules: ((view: GraphView) => Problem[])[] = [
  duplicateProblems,
  referenceProblems,
  agentProblems,
  patternProblems,
  flowProblems,
  layoutProblems,
];

function validate(value: unknown): ValidationResult {
  const guarded = checkDocument(value);
  if (guarded.length) return { ok: false, problems: guarded };

  const migrated = migrate(value);
  if (!migrated.ok) return { ok: false, problems: migrated.problems };
  const doc = migrated.value;
  const notes: Problem[] = [];
  if (migrated.from < GRAPH_VERSION) {
    notes.push(
      problem(
        'warning',
        ['version'],
        'migrated',
        `upgraded from version ${migrated.from}; save the graph to keep the new format`,
        {},
        { from: migrated.from },
      ),
    );
  }

  const parsed = Graph.safeParse(doc);
  const structural = parsed.success ? [] : structuralProblems(parsed.error, doc);
  const view = parsed.success ? viewOfGraph(parsed.data) : viewOfDocument(doc);
  const semantic = [
    ...semanticRules.flatMap((rule) => rule(view)),
    ...stdioCommandProblems(doc),
    ...(parsed.success ? mcpProblems(parsed.data) : []),
  ];
  if (parsed.success && manifestIsStale(parsed.data)) {
    semantic.push(
      problem(
        'warning',
        ['manifest'],
        'stale_manifest',
        'the manifest no longer matches the graph; export the graph again to refresh it',
      ),
    );
  }
  const problems = [...notes, ...structural, ...droppedFieldProblems(doc), ...semantic];
  return { ok: !hasErrors(problems), graph: parsed.success ? parsed.data : undefined, problems };
}

/**
 * Validates a graph document in two levels, structural (the zod schema) and semantic (how ids,
 * edges and agents fit together), and returns every problem at once. Accepts any value and never
 * throws: the guard refuses hostile shapes before zod or the rules walk them.
 */
export function validateGraph(value: unknown): ValidationResult {
  try {
    return validate(value);
  } catch (e) {
    // A bug in a rule must not take down the caller (a server handling user input).
    return {
      ok: false,
      problems: [
        problem(
          'error',
          [],
          'internal_error',
          `validation failed unexpectedly: ${(e as Error)?.message ?? String(e)}`,
          {},
          { detail: (e as Error)?.message ?? String(e) },
        ),
      ],
    };
  }
}
