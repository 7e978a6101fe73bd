import { z } from 'zod';
import { ToolFailure, type BuiltinTool } from './types.ts';

const SEGMENT = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]/y;

/** Parses `$.a.b[0]['c d']` (the leading `$` and first dot are optional) into keys and indexes. */
export function parsePath(path: string): Array<string | number> {
  let src = path.trim();
  if (src.startsWith('$')) src = src.slice(1);
  if (src && !src.startsWith('.') && !src.startsWith('[')) src = `.${src}`;
  const out: Array<string | number> = [];
  let pos = 0;
  while (pos < src.length) {
    SEGMENT.lastIndex = pos;
    const m = SEGMENT.exec(src);
    if (!m) throw new ToolFailure(`invalid path "${path}" near "${src.slice(pos, pos + 10)}"`);
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push((m[3] ?? m[4]).replace(/\\(.)/g, '$1'));
    pos = SEGMENT.lastIndex;
  }
  return out;
}

export function lookup(value: unknown, path: string): unknown {
  let current = value;
  let walked = '$';
  for (const seg of parsePath(path)) {
    const next = typeof seg === 'number' ? `${walked}[${seg}]` : `${walked}.${seg}`;
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, seg))
      throw new ToolFailure(`no value at ${next}`);
    current = (current as Record<string | number, unknown>)[seg];
    walked = next;
  }
  return current;
}

const Args = z.object({
  json: z
    .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .describe('The JSON document, as text or as a value'),
  path: z.string().max(1000).describe('A path such as "$.items[0].name"'),
});

export const jsonPath: BuiltinTool<typeof Args> = {
  name: 'json_path',
  description: 'Reads one value out of a JSON document with a path such as "$.items[0].name".',
  args: Args,
  fromText: (content, argument) => ({ json: content, path: argument ?? '$' }),
  run: ({ json, path }) => {
    let doc = json;
    if (typeof json === 'string') {
      try {
        doc = JSON.parse(json);
      } catch (e) {
        throw new ToolFailure(`the input is not valid JSON: ${(e as Error).message}`);
      }
    }
    const found = lookup(doc, path);
    return typeof found === 'string' ? found : JSON.stringify(found);
  },
};
