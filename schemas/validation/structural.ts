import type { z } from 'zod';
import { agentCommon } from '../kinds/common.ts';
import { OpenAIModel, ScriptedModel, ScriptedRule } from '../models.ts';
import { article, problem, type PathSegment, type Problem, type ProblemParams } from '../problem.ts';

const describe = (v: unknown): string =>
  v === undefined
    ? 'nothing'
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'an array'
        : typeof v === 'object'
          ? 'an object'
          : `${typeof v} ${JSON.stringify(v)}`;

function valueAt(doc: unknown, path: readonly PathSegment[]): unknown {
  let v = doc;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key as string];
  }
  return v;
}

/** The node or edge a path points into, so the canvas can mark it. */
export function marksFor(doc: unknown, path: readonly PathSegment[]): Pick<Problem, 'nodeId' | 'edgeId'> {
  const [collection, index] = path;
  if (typeof index !== 'number') return {};
  const id = valueAt(doc, [collection!, index, 'id']);
  if (typeof id !== 'string') return {};
  if (collection === 'agents' || collection === 'topics') return { nodeId: id };
  if (collection === 'subscriptions' || collection === 'publications') return { edgeId: id };
  return {};
}

const isDefaultMessage = (m: string) => /^(Invalid|Too (big|small)|Unrecognized)/.test(m);

function plainMessage(
  issue: z.core.$ZodIssue,
  value: unknown,
): { code: string; message: string; params?: ProblemParams } {
  const custom = !isDefaultMessage(issue.message);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'whole number' : issue.expected;
      if (value === undefined)
        return { code: 'required', message: `is required (${article(expected)})`, params: { expected } };
      return {
        code: 'invalid_type',
        message: `must be ${article(expected)}, not ${describe(value)}`,
        params: { expected, actual: describe(value) },
      };
    }
    case 'invalid_key': {
      const inner = issue.issues[0]?.message;
      const key = issue.path[issue.path.length - 1];
      return {
        code: 'invalid_key',
        message: `the key ${JSON.stringify(String(key))} is not allowed${inner && !isDefaultMessage(inner) ? `: it ${inner}` : ''}`,
        params: { key: String(key) },
      };
    }
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options) {
        const list = options.map((o) => JSON.stringify(o)).join(', ');
        return value === undefined
          ? { code: 'required', message: `is required (one of ${list})`, params: { expected: list } }
          : {
              code: 'invalid_value',
              message: `${describe(value)} is not one of ${list}`,
              params: { allowed: list, actual: describe(value) },
            };
      }
      return {
        code: 'invalid_union',
        message: `does not match any allowed shape (${describe(value)})`,
        params: { actual: describe(value) },
      };
    }
    case 'invalid_value': {
      const list = issue.values.map((o) => JSON.stringify(o)).join(', ');
      return {
        code: 'invalid_value',
        message:
          issue.values.length === 1
            ? `must be ${list}, not ${describe(value)}`
            : `must be one of ${list}, not ${describe(value)}`,
        params: { allowed: list, actual: describe(value) },
      };
    }
    case 'too_big':
    case 'too_small': {
      if (custom)
        return { code: issue.code, message: issue.message, params: { detail: issue.message, variant: 'detail' } };
      const bound = issue.code === 'too_big' ? 'at most' : 'at least';
      const limit = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
      if (issue.code === 'too_small' && limit === 1 && (issue.origin === 'string' || issue.origin === 'array')) {
        return { code: issue.code, message: 'must not be empty', params: { variant: 'empty' } };
      }
      const noun = issue.origin === 'array' ? ' item' : issue.origin === 'string' ? ' character' : '';
      const unit = noun && limit !== 1 ? `${noun}s` : noun;
      return {
        code: issue.code,
        message: `must be ${bound} ${limit}${unit}`,
        params: { limit, ...(noun ? { variant: issue.origin as string } : {}) },
      };
    }
    case 'invalid_format':
      if (custom)
        return { code: 'invalid_format', message: issue.message, params: { detail: issue.message, variant: 'detail' } };
      return {
        code: 'invalid_format',
        message: `must be a valid ${issue.format === 'url' ? 'URL' : issue.format}`,
        params: { format: issue.format === 'url' ? 'URL' : issue.format },
      };
    default:
      return { code: issue.code, message: issue.message, params: { detail: issue.message } };
  }
}

/** zod issues as Problems: JSON Pointer paths, plain messages, one problem per unknown key. */
export function structuralProblems(error: z.ZodError, doc: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as PathSegment[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push(
          problem('error', [...path, key], 'unknown_field', `"${key}" is not a known field here`, marksFor(doc, path), {
            key,
          }),
        );
      }
      continue;
    }
    const { code, message, params } = plainMessage(issue, valueAt(doc, path));
    problems.push(problem('error', path, code, message, marksFor(doc, path), params));
  }
  return problems;
}

const AGENT_FIELDS = new Set([...Object.keys(agentCommon), 'kind', 'config']);
// A Map, not an object: the provider comes from the document, and "__proto__" must find nothing.
const MODEL_FIELDS = new Map<string, Set<string>>([
  ['scripted', new Set(Object.keys(ScriptedModel.shape))],
  ['openai', new Set(Object.keys(OpenAIModel.shape))],
]);
const RULE_FIELDS = new Set(Object.keys(ScriptedRule.shape));
const MATCH_FIELDS = new Set(Object.keys(ScriptedRule.shape.match.shape));

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Fields the schema silently drops (agents, models and scripted rules are not strict), said out
 * loud: a typo there is otherwise lost quietly, and a mistyped `match` key even turns a scripted
 * rule into one that matches everything.
 */
export function droppedFieldProblems(doc: unknown): Problem[] {
  const problems: Problem[] = [];
  const check = (value: unknown, path: PathSegment[], allowed: Set<string>, what: string) => {
    if (!isObject(value)) return;
    for (const key of Object.keys(value)) {
      if (allowed.has(key)) continue;
      const secret = /(api[-_]?key|secret|password|token)$/i.test(key)
        ? '; secrets belong in the runner config, named by "credential"'
        : '';
      problems.push(
        problem(
          'warning',
          [...path, key],
          'unknown_field',
          `"${key}" is not a field of ${what} and is dropped${secret}`,
          marksFor(doc, path),
          { key, variant: secret ? 'secret' : 'dropped' },
        ),
      );
    }
  };
  const list = (path: PathSegment[]) => {
    const v = valueAt(doc, path);
    return Array.isArray(v) ? v : [];
  };
  list(['agents']).forEach((agent, i) => check(agent, ['agents', i], AGENT_FIELDS, 'an agent'));
  list(['models']).forEach((model, i) => {
    const fields = isObject(model) && typeof model.provider === 'string' ? MODEL_FIELDS.get(model.provider) : undefined;
    if (!fields) return;
    check(model, ['models', i], fields, article(`${model.provider as string} model`));
    list(['models', i, 'rules']).forEach((rule, k) => {
      check(rule, ['models', i, 'rules', k], RULE_FIELDS, 'a scripted rule');
      check(isObject(rule) ? rule.match : undefined, ['models', i, 'rules', k, 'match'], MATCH_FIELDS, 'a rule match');
    });
  });
  return problems;
}
