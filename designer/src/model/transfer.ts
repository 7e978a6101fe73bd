import type { Graph } from '../../../schemas/graph.ts';
import { parseGraphText } from '../../../schemas/guard.ts';
import { exportGraph } from '../../../schemas/manifest.ts';
import type { Problem } from '../../../schemas/problem.ts';
import { validateGraph } from '../../../schemas/validate.ts';

/** The exported file: the graph with its layout and a fresh manifest, valid against graph.schema.json. */
export function exportDocument(graph: Graph): Graph {
  return exportGraph(graph);
}

export function exportFileName(graph: Graph): string {
  const slug =
    graph.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || graph.id;
  return `${slug}.switchboard.json`;
}

export type ImportResult = {
  /** The graph to load, when its structure is sound (semantic errors may remain: it opens as a draft). */
  graph?: Graph;
  problems: Problem[];
  /** True when nothing is wrong enough to stop it running. */
  ok: boolean;
};

/**
 * Reads an exported or hand-written graph: guards the text, migrates older versions and
 * validates, returning every problem so the builder sees them before anything is loaded. The
 * runner's export bundle (`{graph, manifest}`) is accepted too. The manifest is dropped: it
 * describes the file, and the next export writes a fresh one.
 */
export function importDocument(text: string): ImportResult {
  const parsed = parseGraphText(text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const value = unwrapBundle(parsed.value);
  const result = validateGraph(value);
  if (!result.graph) return { ok: false, problems: result.problems };
  const { manifest: _manifest, ...graph } = result.graph;
  const problems = result.problems.filter((p) => !p.path.startsWith('/manifest'));
  return { ok: result.ok, graph, problems };
}

function unwrapBundle(value: unknown): unknown {
  if (value && typeof value === 'object' && !('format' in value) && 'graph' in value)
    return (value as { graph: unknown }).graph;
  return value;
}

/** Starts a browser download of `text` as `name`. */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
