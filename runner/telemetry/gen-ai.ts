import type { Attributes } from '@opentelemetry/api';
import type { ModelDef } from '../../schemas/models.ts';
import type { ChatRequest, ChatResult } from '../models/types.ts';
import { tracing } from './tracing.ts';

/**
 * OpenTelemetry GenAI semantic conventions (gen_ai.*) for one chat call. Prompt and completion
 * text only when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true: they may hold
 * personal data, so they stay out of traces by default.
 */
export function providerOf(def: ModelDef): string {
  return def.provider === 'openai' ? 'openai' : `switchboard.${def.provider}`;
}

/** The model name the provider sees (an OpenAI model id); a scripted model is known by its id. */
export function modelNameOf(def: ModelDef): string {
  return 'model' in def && typeof def.model === 'string' ? def.model : def.id;
}

export function requestAttributes(def: ModelDef, request: ChatRequest): Attributes {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': providerOf(def),
    'gen_ai.system': providerOf(def),
    'gen_ai.request.model': modelNameOf(def),
    'gen_ai.agent.name': request.agent,
    'switchboard.model.id': def.id,
  };
  const d = def as { temperature?: number; maxTokens?: number };
  if (d.temperature !== undefined) attributes['gen_ai.request.temperature'] = d.temperature;
  if (d.maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = d.maxTokens;
  if (tracing.content)
    attributes['gen_ai.input.messages'] = JSON.stringify(
      request.messages.map((m) => ({ role: m.role, content: m.content })),
    );
  return attributes;
}

export function responseAttributes(def: ModelDef, result: ChatResult): Attributes {
  const attributes: Attributes = {
    'gen_ai.response.model': modelNameOf(def),
    'gen_ai.usage.input_tokens': result.usage.promptTokens,
    'gen_ai.usage.output_tokens': result.usage.completionTokens,
    'switchboard.usage.estimated': result.usage.estimated,
  };
  // As the provider answered; nothing is made up when it did not say.
  if (result.finishReason) attributes['gen_ai.response.finish_reasons'] = [result.finishReason];
  if (tracing.content)
    attributes['gen_ai.output.messages'] = JSON.stringify([
      { role: 'assistant', content: result.content, tool_calls: result.toolCalls },
    ]);
  return attributes;
}
