import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedModel } from '../../schemas/models.ts';
import type { ChatResult } from '../models/types.ts';
import { requestAttributes, responseAttributes } from './gen-ai.ts';
import { tracing } from './tracing.ts';

const def = ScriptedModel.parse({ id: 'writer-model', provider: 'scripted', rules: [] });
const result = (over: Partial<ChatResult> = {}): ChatResult => ({
  content: 'hi there',
  toolCalls: [],
  usage: { promptTokens: 7, completionTokens: 2, estimated: false },
  ...over,
});

afterEach(() => {
  tracing.content = false;
});

describe('GenAI span attributes', () => {
  it("carries the provider's finish_reason as it came, even one the reply does not suggest", () => {
    expect(responseAttributes(def, result({ finishReason: 'length' }))['gen_ai.response.finish_reasons']).toEqual([
      'length',
    ]);
    expect(
      responseAttributes(
        def,
        result({ finishReason: 'content_filter', toolCalls: [{ id: 'c1', name: 'calculator', arguments: '{}' }] }),
      )['gen_ai.response.finish_reasons'],
    ).toEqual(['content_filter']);
  });

  it('leaves finish_reasons out when the provider sent none, rather than guessing', () => {
    expect(responseAttributes(def, result())).not.toHaveProperty('gen_ai.response.finish_reasons');
  });

  it('keeps prompts and completions out unless content capture is on', () => {
    const request = { agent: 'writer', messages: [{ role: 'user' as const, content: 'secret question' }] };
    expect(requestAttributes(def, request)).not.toHaveProperty('gen_ai.input.messages');
    expect(responseAttributes(def, result())).not.toHaveProperty('gen_ai.output.messages');
    tracing.content = true;
    expect(requestAttributes(def, request)['gen_ai.input.messages']).toContain('secret question');
    expect(responseAttributes(def, result())['gen_ai.output.messages']).toContain('hi there');
  });

  it('names the operation, provider, model and tokens', () => {
    expect(requestAttributes(def, { agent: 'writer', messages: [] })).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'switchboard.scripted',
      'gen_ai.request.model': 'writer-model',
      'gen_ai.agent.name': 'writer',
    });
    expect(responseAttributes(def, result())).toMatchObject({
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 2,
    });
  });
});
