import { z } from 'zod';

/** Built-in tools an `assistant` may call and a `tool` agent may run. */
export const BuiltinToolName = z.enum(['calculator', 'current_time', 'http_get', 'json_path', 'memory']);
export type BuiltinToolName = z.infer<typeof BuiltinToolName>;
