import { z } from 'zod';
import { BuiltinToolName } from '../tools.ts';
import { agentCommon } from './common.ts';

/** Runs one built-in tool on the message it receives and publishes the result. */
export const ToolAgent = z.object({
  ...agentCommon,
  kind: z.literal('tool'),
  config: z
    .object({
      tool: BuiltinToolName,
      /** For json_path: the path to read; for http_get: a URL template with {input}. */
      argument: z.string().max(2000).optional(),
    })
    .strict(),
});
