import OpenAI from 'openai';
import type { ModelDef } from '../../schemas/models.ts';
import { ModelError } from './model-error.ts';
import { OpenAIModelClient, type OpenAIModelDef } from './openai.ts';

/** Why a test call failed, in terms a person can act on. */
export type ProbeReason = 'unauthorized' | 'unknown_model' | 'unreachable' | 'timeout' | 'refused' | 'no_credential';

/** The answer to "Test connection": ok, or the provider's error in words. */
export type ProbeResult =
  | { ok: true; scripted: boolean; models: string[] }
  | { ok: false; reason: ProbeReason; status?: number; message: string; models: string[] };

/** One test call is bounded: a person is waiting for its answer. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * Makes one minimal call (one user word, one completion token, no retries) with a model, and asks
 * the provider for its model list (GET /models) so a form can offer the names. A scripted model
 * makes no call.
 */
export async function probeModel(def: ModelDef, apiKey: string): Promise<ProbeResult> {
  if (def.provider === 'scripted') return { ok: true, scripted: true, models: [] };
  const bounded: OpenAIModelDef = {
    ...def,
    maxRetries: 0,
    maxTokens: 1,
    timeoutMs: Math.min(def.timeoutMs, PROBE_TIMEOUT_MS),
  };
  const [models, call] = await Promise.all([listModels(bounded, apiKey), callOnce(bounded, apiKey)]);
  return call ? { ...call, models } : { ok: true, scripted: false, models };
}

async function callOnce(
  def: OpenAIModelDef,
  apiKey: string,
): Promise<Omit<Extract<ProbeResult, { ok: false }>, 'models'> | undefined> {
  try {
    await new OpenAIModelClient(def, apiKey).chat({
      messages: [{ role: 'user', content: 'ping' }],
      agent: 'connection-test',
    });
    return undefined;
  } catch (e) {
    const error = e instanceof ModelError ? e : new ModelError('bad_response', String(e));
    const status = (error.details as { status?: number } | undefined)?.status;
    return { ok: false, reason: reasonOf(error, status), status, message: error.message };
  }
}

function reasonOf(error: ModelError, status: number | undefined): ProbeReason {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'unknown_model';
  if (error.code === 'timeout') return 'timeout';
  if (status === undefined && error.code === 'server_error') return 'unreachable';
  return 'refused';
}

/** Model ids the provider lists; empty when it lists none or refuses (the call's error says why). */
async function listModels(def: OpenAIModelDef, apiKey: string): Promise<string[]> {
  const client = new OpenAI({
    apiKey,
    baseURL: def.baseUrl ?? 'https://api.openai.com/v1',
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: def.timeoutMs,
  });
  try {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      ids.push(model.id);
      if (ids.length >= 500) break;
    }
    return ids.sort();
  } catch {
    return [];
  }
}
