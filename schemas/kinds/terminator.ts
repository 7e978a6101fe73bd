import { z } from 'zod';
import { Text } from '../ids.ts';
import { agentCommon } from './common.ts';

/** Ends the turn on a message count, a text mention or a token budget. */
export const TerminatorAgent = z.object({
  ...agentCommon,
  kind: z.literal('terminator'),
  config: z
    .object({
      maxMessages: z.number().int().min(1).max(100_000).optional(),
      mention: Text(200).optional(),
      maxTokens: z.number().int().min(1).max(100_000_000).optional(),
    })
    .strict(),
});
