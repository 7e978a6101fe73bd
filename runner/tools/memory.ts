import { z } from 'zod';
import { ToolFailure, type BuiltinTool } from './types.ts';

// One flat object rather than a union: OpenAI wants `type: object` at the top of a tool's parameters.
const Args = z.object({
  action: z.enum(['get', 'set', 'list']),
  key: z.string().min(1).max(100).optional().describe('Needed by get and set'),
  value: z.string().max(4000).optional().describe('Needed by set'),
});

/** Long-term memory of the session's user (per tenant): it outlives the session. */
export const memory: BuiltinTool<typeof Args> = {
  name: 'memory',
  description:
    "Reads or writes the user's long-term memory: {action:'get',key}, {action:'set',key,value} or {action:'list'}.",
  args: Args,
  /** Text form: "get <key>", "set <key> <value>" or "list". */
  fromText: (content) => {
    const [action = '', key, ...rest] = content.trim().split(/\s+/);
    return { action: action.toLowerCase(), ...(key ? { key } : {}), ...(rest.length ? { value: rest.join(' ') } : {}) };
  },
  run: async ({ action, key, value }, ctx) => {
    if (!ctx.memory) throw new ToolFailure('long-term memory is not available in this session');
    if (action === 'list') return JSON.stringify(await ctx.memory.list());
    if (!key) throw new ToolFailure(`"${action}" needs a key`);
    if (action === 'get') return (await ctx.memory.get(key)) ?? `(nothing stored under "${key}")`;
    if (value === undefined) throw new ToolFailure('"set" needs a value');
    await ctx.memory.set(key, value);
    return `stored "${key}"`;
  },
};
