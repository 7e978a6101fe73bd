import { z } from 'zod';
import { Id } from '../ids.ts';
import { agentCommon } from './common.ts';

export const RouterRule = z
  .object({
    match: z.enum(['keyword', 'regex']),
    value: z.string().min(1).max(1000),
    caseSensitive: z.boolean().default(false),
    /** Id of the topic node to publish to when the rule matches. */
    topic: Id,
  })
  .strict();

/** Chooses the next topic by rules or by asking a model to pick one. */
export const RouterAgent = z.object({
  ...agentCommon,
  kind: z.literal('router'),
  config: z
    .object({
      mode: z.enum(['rules', 'model']).default('rules'),
      rules: z.array(RouterRule).max(200).default([]),
      /** Topic used when no rule matches (or the model's answer names no allowed topic). */
      defaultTopic: Id.optional(),
      model: Id.optional(),
    })
    .strict(),
});
