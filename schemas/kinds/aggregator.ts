import { z } from 'zod';
import { Text } from '../ids.ts';
import { agentCommon } from './common.ts';

/** Waits for N replies in a turn (or a timeout) and publishes one combined message. */
export const AggregatorAgent = z.object({
  ...agentCommon,
  kind: z.literal('aggregator'),
  config: z
    .object({
      count: z.number().int().min(1).max(1000).default(2),
      timeoutMs: z.number().int().min(10).max(3600_000).default(30_000),
      separator: Text(100).default('\n\n'),
    })
    .strict(),
});
