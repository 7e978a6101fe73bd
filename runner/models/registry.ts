import { createHash } from 'node:crypto';
import type { ModelDef } from '../../schemas/models.ts';
import { invalid } from '../errors.ts';
import { OpenAIModelClient } from './openai.ts';
import { ScriptedModelClient } from './scripted.ts';
import type { ModelTelemetry } from '../telemetry/model-telemetry.ts';
import type { ModelClient } from './types.ts';

/** Looks up a tenant's named credential in the runner config. */
export type CredentialLookup = (name: string) => string | undefined;

export interface ModelRegistryOptions {
  /**
   * Key used by an `openai` model that names no credential. Read once when the registry is built
   * (the documented OPENAI_API_KEY fallback), never from the environment during a run.
   */
  fallbackApiKey?: string;
  /** Spans, timings and token counts of every call (the runner's); none when omitted. */
  telemetry?: ModelTelemetry;
}

/**
 * Shared model clients: one per (tenant, model definition, key), reused by every session, so
 * HTTP connections and retry state are pooled rather than rebuilt per session.
 */
export class ModelRegistry {
  private readonly clients = new Map<string, ModelClient>();
  /** Serialised definitions by identity: sessions ask for the same definition object on every call. */
  private readonly defKeys = new WeakMap<ModelDef, string>();
  private readonly fallbackApiKey: string | undefined;
  private readonly telemetry: ModelTelemetry | undefined;

  constructor(options: ModelRegistryOptions = { fallbackApiKey: process.env.OPENAI_API_KEY }) {
    this.fallbackApiKey = options.fallbackApiKey;
    this.telemetry = options.telemetry;
  }

  /** Throws a clear `invalid` error when an `openai` model's credential is not configured for the tenant. */
  get(tenant: string, def: ModelDef, credential: CredentialLookup): ModelClient {
    const apiKey = def.provider === 'openai' ? apiKeyFor(tenant, def, credential, this.fallbackApiKey) : '';
    // The key takes part in the cache key (hashed) so a rotated credential gets a fresh client.
    const cacheKey = `${tenant}\u0000${this.defKey(def)}\u0000${apiKey && createHash('sha256').update(apiKey).digest('base64url')}`;
    let client = this.clients.get(cacheKey);
    if (!client) {
      const raw =
        def.provider === 'openai'
          ? new OpenAIModelClient(def, apiKey, this.telemetry?.fetch(def))
          : new ScriptedModelClient(def);
      client = this.telemetry ? this.telemetry.wrap(raw, def, tenant) : raw;
      this.clients.set(cacheKey, client);
    }
    return client;
  }

  get size(): number {
    return this.clients.size;
  }

  clear(): void {
    this.clients.clear();
  }

  private defKey(def: ModelDef): string {
    let key = this.defKeys.get(def);
    if (key === undefined) this.defKeys.set(def, (key = JSON.stringify(def)));
    return key;
  }
}

/**
 * The key an `openai` model uses: its named credential, else the registry's fallback key, else
 * none for a local base URL. Throws a clear `invalid` error when the credential is missing.
 */
export function apiKeyFor(
  tenant: string,
  def: Extract<ModelDef, { provider: 'openai' }>,
  credential: CredentialLookup,
  fallbackApiKey: string | undefined,
): string {
  if (def.credential) {
    const value = credential(def.credential);
    if (!value)
      throw invalid(`model "${def.id}": credential "${def.credential}" is not configured for tenant "${tenant}"`, {
        model: def.id,
        credential: def.credential,
      });
    return value;
  }
  if (fallbackApiKey) return fallbackApiKey;
  // Local OpenAI-compatible servers (Ollama, vLLM) usually need no key; api.openai.com always does.
  if (def.baseUrl) return 'no-key';
  throw invalid(`model "${def.id}": names no credential and OPENAI_API_KEY is not set`, { model: def.id });
}
