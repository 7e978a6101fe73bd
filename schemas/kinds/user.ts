import { z } from 'zod';
import { Text } from '../ids.ts';
import { agentCommon } from './common.ts';

/** Human in the loop: asks the session's client for input and publishes the answer. */
export const UserAgent = z.object({
  ...agentCommon,
  kind: z.literal('user'),
  config: z
    .object({
      prompt: Text(2000).default('Your input is needed'),
      timeoutMs: z
        .number()
        .int()
        .min(1000)
        .max(7 * 24 * 3600_000)
        .default(300_000),
    })
    .strict(),
});
