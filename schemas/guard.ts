import { scanJson } from './json-scan.ts';
import { problem, type PathSegment, type Problem, type ProblemParams } from './problem.ts';

/**
 * The first gate for any graph document, before zod sees it: absurd sizes, absurd nesting and
 * prototype-pollution keys are refused with a plain reason. Nothing here recurses, so hostile
 * input cannot blow the stack.
 */
export const GUARD_LIMITS = {
  /** Characters of JSON text (about 5 MB of ASCII). */
  maxChars: 5_000_000,
  /** Nested objects/arrays; a real graph needs about 8. */
  maxDepth: 64,
  /** Values (objects, arrays, scalars) in an already-parsed document. */
  maxValues: 1_000_000,
} as const;

/** Keys that reach Object.prototype when a careless consumer merges or assigns them. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type GuardResult = { ok: true; value: unknown; problems: [] } | { ok: false; problems: Problem[] };

const fail = (segments: PathSegment[], code: string, message: string, params: ProblemParams = {}): GuardResult => ({
  ok: false,
  problems: [problem('error', segments, code, message, {}, params)],
});

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: position - lineStart + 1 };
}

/** Parses JSON text of a graph document, refusing what could hurt before building any value. */
export function parseGraphText(text: string): GuardResult {
  if (typeof text !== 'string') return fail([], 'not_text', 'the document must be JSON text');
  if (text.length > GUARD_LIMITS.maxChars) {
    return fail([], 'too_large', `the document is ${text.length} characters; the limit is ${GUARD_LIMITS.maxChars}`, {
      limit: GUARD_LIMITS.maxChars,
      variant: 'chars',
    });
  }
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const scanned = scanJson(body, GUARD_LIMITS.maxDepth);
  if (scanned) {
    const { line, column } = lineAndColumn(body, scanned.position);
    const where = `line ${line}, column ${column} (position ${scanned.position})`;
    return scanned.kind === 'depth'
      ? fail(scanned.path, 'too_deep', `${scanned.message}, at ${where}`, { limit: GUARD_LIMITS.maxDepth })
      : fail(scanned.path, 'invalid_json', `invalid JSON at ${where}: ${scanned.message}`, {
          line,
          column,
          detail: scanned.message,
        });
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    // The scanner accepts exactly JSON, so this is a safety net rather than an expected path.
    return fail([], 'invalid_json', `invalid JSON: ${(e as Error).message}`, {
      line: 0,
      column: 0,
      detail: (e as Error).message,
    });
  }
  return checkDocumentResult(value);
}

function checkDocumentResult(value: unknown): GuardResult {
  const problems = checkDocument(value);
  return problems.length ? { ok: false, problems } : { ok: true, value, problems: [] };
}

const isPlainScalar = (v: unknown): boolean =>
  v === null ||
  v === undefined ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));

/** A path as a linked list from the leaf, so walking a million values allocates no arrays. */
type PathLink = { key: PathSegment; parent: PathLink | undefined; depth: number } | undefined;

function segments(link: PathLink): PathSegment[] {
  const out: PathSegment[] = [];
  for (let l = link; l; l = l.parent) out.push(l.key);
  return out.reverse();
}

/**
 * Checks an already-parsed value (e.g. a request body) for depth, size, cycles, non-JSON values
 * and forbidden keys. Iterative; every problem found is returned in document order, each with its path.
 */
export function checkDocument(value: unknown): Problem[] {
  const problems: Problem[] = [];
  const report = (at: PathLink, code: string, message: string, params: ProblemParams = {}) =>
    problems.push(problem('error', segments(at), code, message, {}, params));
  const onPath = new Set<object>();
  // Children are pushed in reverse so they pop in document order; `leave` marks the end of a
  // container so `onPath` holds exactly the ancestors (a cycle is an ancestor seen again).
  const stack: { value: unknown; at: PathLink; leave?: object }[] = [{ value, at: undefined }];
  let count = 0;
  while (stack.length) {
    const item = stack.pop()!;
    if (item.leave) {
      onPath.delete(item.leave);
      continue;
    }
    if (++count > GUARD_LIMITS.maxValues) {
      report(undefined, 'too_large', `the document holds more than ${GUARD_LIMITS.maxValues} values`, {
        limit: GUARD_LIMITS.maxValues,
        variant: 'values',
      });
      break;
    }
    const { value: v, at } = item;
    if (at && typeof at.key === 'string' && FORBIDDEN_KEYS.has(at.key)) {
      report(at, 'forbidden_key', `the key "${at.key}" is not allowed (it could alter object prototypes)`, {
        key: at.key,
      });
      continue;
    }
    // undefined is how in-memory objects say "absent" (JSON.stringify drops it), so it passes.
    if (isPlainScalar(v)) continue;
    const t = typeof v;
    if (t === 'number') {
      report(at, 'not_json', 'must be a finite number', { variant: 'number' });
      continue;
    }
    if (t !== 'object') {
      report(at, 'not_json', `${t} values are not allowed in JSON`, { type: t });
      continue;
    }
    const obj = v as object;
    const depth = at ? at.depth : 0;
    if (depth >= GUARD_LIMITS.maxDepth) {
      report(at, 'too_deep', `nesting is deeper than ${GUARD_LIMITS.maxDepth} levels`, {
        limit: GUARD_LIMITS.maxDepth,
      });
      continue;
    }
    if (onPath.has(obj)) {
      report(at, 'circular', 'refers back to a value that contains it (circular)');
      continue;
    }
    onPath.add(obj);
    stack.push({ value: undefined, at, leave: obj });
    // Plain scalars (almost every value) are counted here rather than pushed: that keeps a
    // million-value document fast. Anything that may be a problem is pushed so it is reported in order.
    if (Array.isArray(obj)) {
      for (let i = obj.length - 1; i >= 0; i--) {
        if (isPlainScalar(obj[i])) count++;
        else stack.push({ value: obj[i], at: { key: i, parent: at, depth: depth + 1 } });
      }
    } else {
      const keys = Object.keys(obj);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        const child = (obj as Record<string, unknown>)[key];
        if (isPlainScalar(child) && !FORBIDDEN_KEYS.has(key)) count++;
        else stack.push({ value: child, at: { key, parent: at, depth: depth + 1 } });
      }
    }
    if (count > GUARD_LIMITS.maxValues) {
      report(undefined, 'too_large', `the document holds more than ${GUARD_LIMITS.maxValues} values`, {
        limit: GUARD_LIMITS.maxValues,
        variant: 'values',
      });
      break;
    }
  }
  return problems;
}
