import type { ModelDef } from '../../schemas/models.ts';
import type { Usage } from '../../schemas/protocol.ts';

export type TokenCount = { promptTokens: number; completionTokens: number; estimated: boolean };

export const zeroUsage = (): Usage => ({ promptTokens: 0, completionTokens: 0, cost: 0, estimated: false });

/** Cost from the model's per-million prices; no pricing means the model is free (scripted, local). */
export function priced(tokens: TokenCount, model: ModelDef | undefined): Usage {
  const prompt = nonNegative(tokens.promptTokens);
  const completion = nonNegative(tokens.completionTokens);
  const pricing = model?.pricing;
  const cost = pricing ? (prompt * pricing.inputPerMillion + completion * pricing.outputPerMillion) / 1_000_000 : 0;
  return { promptTokens: prompt, completionTokens: completion, cost, estimated: tokens.estimated === true };
}

/** Adds `delta` into `total` in place; a total is estimated once any part of it is. */
export function addUsage(total: Usage, delta: Usage): Usage {
  total.promptTokens += delta.promptTokens;
  total.completionTokens += delta.completionTokens;
  total.cost += delta.cost;
  total.estimated ||= delta.estimated;
  return total;
}

export const totalTokens = (u: Usage): number => u.promptTokens + u.completionTokens;

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}
