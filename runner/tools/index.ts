import { z } from 'zod';
import type { BuiltinToolName } from '../../schemas/tools.ts';
import type { ToolSpec } from '../models/types.ts';
import { calculator } from './calculator.ts';
import { currentTime } from './current-time.ts';
import { httpGet } from './http-get.ts';
import { jsonPath } from './json-path.ts';
import { memory } from './memory.ts';
import type { BuiltinTool, ToolContext } from './types.ts';

export type { ToolContext } from './types.ts';

/** Every built-in tool the schema names; the Record type makes a missing one a compile error. */
const TOOLS: Record<BuiltinToolName, BuiltinTool> = {
  calculator,
  current_time: currentTime,
  http_get: httpGet,
  json_path: jsonPath,
  memory,
} as Record<BuiltinToolName, BuiltinTool>;

/** Longest tool output handed to a model or published: keeps one fetch from flooding the context. */
const MAX_OUTPUT_CHARS = 20_000;

const SPECS = new Map<string, ToolSpec>(
  Object.values(TOOLS).map((t) => {
    const { $schema: _drop, ...parameters } = z.toJSONSchema(t.args, { io: 'input' }) as Record<string, unknown>;
    return [t.name, { name: t.name, description: t.description, parameters }];
  }),
);

/** OpenAI tool-calling specs (name, description, JSON Schema parameters) of the named tools. */
export const toolSpecs = (names: readonly BuiltinToolName[]): ToolSpec[] => names.map((n) => SPECS.get(n)!);

const isTool = (name: string): name is BuiltinToolName => Object.hasOwn(TOOLS, name);

/** Arguments for a `tool` agent: a message holding a JSON object is the arguments, else the tool reads the text. */
export function toolArgsFromMessage(
  name: BuiltinToolName,
  content: string,
  argument: string | undefined,
): Record<string, unknown> {
  const text = content.trim();
  // json_path's input is itself a JSON document, never its arguments.
  if (name !== 'json_path' && text.startsWith('{')) {
    try {
      const value = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value;
    } catch {
      // Not JSON after all: the tool reads it as text.
    }
  }
  return TOOLS[name].fromText(content, argument);
}

/**
 * Runs a built-in tool. Never throws: a failure comes back as "Error: ..." text the model can
 * read and act on (bad JSON arguments, a refused host, a division by zero...).
 */
export async function runTool(
  name: string,
  args: string | Record<string, unknown>,
  ctx: ToolContext,
): Promise<{ ok: boolean; output: string }> {
  if (!isTool(name)) return fail(`unknown tool "${name}"; available: ${Object.keys(TOOLS).join(', ')}`);
  const tool = TOOLS[name];
  let raw: unknown = args;
  if (typeof args === 'string') {
    try {
      raw = args.trim() ? JSON.parse(args) : {};
    } catch (e) {
      return fail(`${name}: the arguments are not valid JSON (${(e as Error).message})`);
    }
  }
  const parsed = tool.args.safeParse(raw);
  if (!parsed.success)
    return fail(
      `${name}: invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  try {
    const output = await tool.run(parsed.data, ctx);
    return {
      ok: true,
      output:
        output.length > MAX_OUTPUT_CHARS
          ? `${output.slice(0, MAX_OUTPUT_CHARS)}\n[cut at ${MAX_OUTPUT_CHARS} characters]`
          : output,
    };
  } catch (e) {
    return fail(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const fail = (message: string) => ({ ok: false, output: `Error: ${message}` });
