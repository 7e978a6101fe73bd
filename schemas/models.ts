import { z } from 'zod';
import { CredentialName, Id, Text } from './ids.ts';

/** A scripted reply rule: the first rule whose `match` hits the last input wins. */
export const ScriptedRule = z.object({
  match: z.object({
    contains: z.string().max(1000).optional(),
    regex: z.string().max(1000).optional(),
    /** Match the n-th call of this agent in the session (1-based); ignored when absent. */
    call: z.number().int().min(1).max(1_000_000).optional(),
  }),
  reply: Text(100_000).default(''),
  /** Tool calls the scripted model emits instead of (or before) its reply. */
  toolCalls: z
    .array(z.object({ name: z.string().min(1).max(64), arguments: z.record(z.string(), z.unknown()) }))
    .max(16)
    .optional(),
});
export type ScriptedRule = z.infer<typeof ScriptedRule>;

const ModelCommon = {
  id: Id,
  label: Text(200).optional(),
  /** Prices per 1M tokens, for the cost figures shown beside token counts. */
  pricing: z
    .object({ inputPerMillion: z.number().min(0).max(10_000), outputPerMillion: z.number().min(0).max(10_000) })
    .optional(),
};

/** The reply of a scripted model that names no fallback: a stand-in, and how to replace it. */
export const SCRIPTED_STAND_IN =
  '[scripted stand-in, not an LLM] {agent} got: "{input}". Set a real model (OpenAI, Azure OpenAI, Ollama or any OpenAI-compatible server) in the Models panel of the inspector to get real answers.';

export const ScriptedModel = z.object({
  ...ModelCommon,
  provider: z.literal('scripted'),
  rules: z.array(ScriptedRule).max(1000).default([]),
  /**
   * Used when no rule matches; `{input}` and `{agent}` are replaced. The default says what it is,
   * so nobody mistakes a canned reply for a model's answer.
   */
  fallback: Text(10_000).default(SCRIPTED_STAND_IN),
  /** Split replies into this many characters per streamed token. */
  tokenSize: z.number().int().min(1).max(10_000).default(4),
  /** Stream at a real model's pace instead of as fast as possible (tests and benches). */
  pace: z
    .object({
      tokensPerSecond: z.number().positive().max(100_000),
      /** Tokens per streamed chunk, as a provider batches them. */
      chunkTokens: z.number().int().min(1).max(1000).default(1),
    })
    .strict()
    .optional(),
});

export const OpenAIModel = z.object({
  ...ModelCommon,
  provider: z.literal('openai'),
  model: z.string().min(1).max(200),
  baseUrl: z.url().max(2000).optional(),
  /** Name of a credential in the runner config; falls back to OPENAI_API_KEY when absent. */
  credential: CredentialName.optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  maxRetries: z.number().int().min(0).max(10).default(3),
});

export const ModelDef = z.discriminatedUnion('provider', [ScriptedModel, OpenAIModel]);
export type ModelDef = z.infer<typeof ModelDef>;
