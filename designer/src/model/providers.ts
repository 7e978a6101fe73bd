import { SCRIPTED_STAND_IN as SCRIPTED_FALLBACK, type ModelDef } from '../../../schemas/models.ts';

/**
 * The providers a models form offers. Every OpenAI-style one is stored as an `openai` model;
 * which form shows is read back from its base URL, so the graph format stays one provider.
 */
export const PROVIDERS = ['openai', 'azure', 'ollama', 'compatible', 'scripted'] as const;
export type Provider = (typeof PROVIDERS)[number];

export type OpenAIDef = Extract<ModelDef, { provider: 'openai' }>;

export const OLLAMA_URL = 'http://127.0.0.1:11434/v1';
const AZURE_HOST = /^https:\/\/[^/]+\.openai\.azure\.com\/openai\/v1\/?$/i;

export function providerOf(model: ModelDef): Provider {
  if (model.provider === 'scripted') return 'scripted';
  if (!model.baseUrl) return 'openai';
  if (AZURE_HOST.test(model.baseUrl)) return 'azure';
  if (/:11434\//.test(model.baseUrl)) return 'ollama';
  return 'compatible';
}

/** Azure OpenAI's v1 API takes the OpenAI protocol at <resource>/openai/v1 with the deployment as model. */
export const azureBaseUrl = (resource: string): string =>
  `${resource
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/openai\/v1$/i, '')}/openai/v1`;
export const azureResource = (baseUrl: string | undefined): string => (baseUrl ?? '').replace(/\/openai\/v1\/?$/i, '');

/** A first definition for a provider; `id` must be unique in the graph. */
export function newModel(provider: Provider, id: string, credential?: string): ModelDef {
  const common = { id, timeoutMs: 60_000, maxRetries: 3 } as const;
  switch (provider) {
    case 'scripted':
      return { id, provider: 'scripted', rules: [], fallback: SCRIPTED_FALLBACK, tokenSize: 4 };
    case 'openai':
      return { ...common, provider: 'openai', model: 'gpt-4o-mini', ...(credential ? { credential } : {}) };
    case 'azure':
      return {
        ...common,
        provider: 'openai',
        model: 'my-deployment',
        baseUrl: 'https://my-resource.openai.azure.com/openai/v1',
        ...(credential ? { credential } : {}),
      };
    case 'ollama':
      return { ...common, provider: 'openai', model: 'llama3.2', baseUrl: OLLAMA_URL };
    case 'compatible':
      return { ...common, provider: 'openai', model: 'my-model', baseUrl: 'http://127.0.0.1:8000/v1' };
  }
}

/** `base`, `base-2`, `base-3`…: the first id no model has. */
export function freeModelId(models: readonly ModelDef[], base: string): string {
  const taken = new Set(models.map((m) => m.id));
  if (!taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

/** Models of the graph that are scripted: nodes using them and chats running them carry a badge. */
export const isScripted = (models: readonly ModelDef[], id: string | undefined): boolean =>
  id !== undefined && models.some((m) => m.id === id && m.provider === 'scripted');
