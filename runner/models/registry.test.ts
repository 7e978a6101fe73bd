import { describe, expect, it } from 'vitest';
import { ModelDef } from '../../schemas/models.ts';
import { OpenAIModelClient } from './openai.ts';
import { ModelRegistry } from './registry.ts';
import { ScriptedModelClient } from './scripted.ts';

const scripted = ModelDef.parse({ id: 'echo', provider: 'scripted' });
const openai = ModelDef.parse({ id: 'gpt', provider: 'openai', model: 'gpt-4o-mini', credential: 'openai-main' });
const credentials: Record<string, Record<string, string>> = {
  acme: { 'openai-main': 'sk-acme' },
  globex: { 'openai-main': 'sk-globex' },
};
const lookup = (tenant: string) => (name: string) => credentials[tenant]?.[name];

describe('ModelRegistry', () => {
  it('shares one client per tenant and model definition', () => {
    const reg = new ModelRegistry({});
    const a = reg.get('acme', scripted, lookup('acme'));
    expect(a).toBeInstanceOf(ScriptedModelClient);
    expect(reg.get('acme', ModelDef.parse({ id: 'echo', provider: 'scripted' }), lookup('acme'))).toBe(a);
    expect(reg.get('globex', scripted, lookup('globex'))).not.toBe(a);
    expect(
      reg.get('acme', ModelDef.parse({ id: 'echo', provider: 'scripted', tokenSize: 9 }), lookup('acme')),
    ).not.toBe(a);
  });

  it('builds openai clients from the tenant credential, one per tenant', () => {
    const reg = new ModelRegistry({});
    const acme = reg.get('acme', openai, lookup('acme'));
    expect(acme).toBeInstanceOf(OpenAIModelClient);
    expect(reg.get('acme', openai, lookup('acme'))).toBe(acme);
    expect(reg.get('globex', openai, lookup('globex'))).not.toBe(acme);
    expect(reg.size).toBe(2);
  });

  it('refuses a credential the tenant does not have, naming model, credential and tenant', () => {
    const reg = new ModelRegistry({ fallbackApiKey: 'sk-env' });
    expect(() => reg.get('initech', openai, lookup('initech'))).toThrow(
      'model "gpt": credential "openai-main" is not configured for tenant "initech"',
    );
  });

  it('uses the fallback key only for a model that names no credential', () => {
    const noCredential = ModelDef.parse({ id: 'gpt', provider: 'openai', model: 'gpt-4o-mini' });
    expect(new ModelRegistry({ fallbackApiKey: 'sk-env' }).get('acme', noCredential, lookup('acme'))).toBeInstanceOf(
      OpenAIModelClient,
    );
    expect(() => new ModelRegistry({}).get('acme', noCredential, lookup('acme'))).toThrow(/OPENAI_API_KEY is not set/);
    const local = ModelDef.parse({
      id: 'llama',
      provider: 'openai',
      model: 'llama3',
      baseUrl: 'http://127.0.0.1:11434/v1',
    });
    expect(new ModelRegistry({}).get('acme', local, lookup('acme'))).toBeInstanceOf(OpenAIModelClient);
  });
});
