import { describe, expect, it } from 'vitest';
import { ModelDef } from '../../../schemas/models.ts';
import { azureBaseUrl, azureResource, freeModelId, newModel, PROVIDERS, providerOf } from './providers.ts';

describe('model providers', () => {
  it('starts every provider with a valid definition that reads back as that provider', () => {
    for (const provider of PROVIDERS) {
      const model = newModel(provider, `m-${provider}`, 'team-key');
      expect(ModelDef.safeParse(model).success, provider).toBe(true);
      expect(providerOf(model), provider).toBe(provider);
    }
  });

  it('maps an Azure resource endpoint to its v1 base URL and back', () => {
    expect(azureBaseUrl('https://acme.openai.azure.com/')).toBe('https://acme.openai.azure.com/openai/v1');
    expect(azureBaseUrl('https://acme.openai.azure.com/openai/v1')).toBe('https://acme.openai.azure.com/openai/v1');
    expect(azureResource('https://acme.openai.azure.com/openai/v1')).toBe('https://acme.openai.azure.com');
  });

  it('picks the first free id', () => {
    const models = [newModel('openai', 'openai'), newModel('openai', 'openai-2')];
    expect(freeModelId(models, 'openai')).toBe('openai-3');
    expect(freeModelId(models, 'ollama')).toBe('ollama');
  });
});
