import { SpanKind } from '@opentelemetry/api';
import type { ModelDef } from '../../schemas/models.ts';
import { ModelError } from '../models/model-error.ts';
import type { ChatRequest, ChatResult, ModelClient } from '../models/types.ts';
import { priced } from '../sessions/usage.ts';
import { modelNameOf, providerOf, requestAttributes, responseAttributes } from './gen-ai.ts';
import { secondsSince, type Instruments, type ModelErrorKind } from './instruments.ts';
import { failed, inSpan } from './spans.ts';

/**
 * What a model registry observes with: a span and timings around every chat call, tokens and
 * cost by tenant, and each HTTP attempt of a provider (a 429 the client retried still counts).
 */
export class ModelTelemetry {
  constructor(private readonly instruments: Instruments) {}

  /** `client` as the tenant's sessions see it. */
  wrap(client: ModelClient, def: ModelDef, tenant: string): ModelClient {
    const instruments = this.instruments;
    const labels = { model: modelNameOf(def), provider: providerOf(def) };
    return {
      chat: (request: ChatRequest) =>
        inSpan(
          `chat ${labels.model}`,
          {
            kind: SpanKind.CLIENT,
            attributes: requestAttributes(def, request),
            ...(request.trace ? { parent: request.trace } : {}),
          },
          async (span, trace) => {
            const start = performance.now();
            let result: ChatResult;
            try {
              // The provider's HTTP request carries the model call's own context.
              result = await client.chat(trace ? { ...request, trace } : request);
            } catch (error) {
              const kind = callErrorKind(error);
              if (kind) instruments.modelErrors.inc({ ...labels, kind });
              failed(span, error);
              throw error;
            }
            instruments.modelDuration.observe(labels, secondsSince(start));
            const usage = priced(result.usage, def);
            instruments.tokens.inc({ tenant, model: labels.model, direction: 'input' }, usage.promptTokens);
            instruments.tokens.inc({ tenant, model: labels.model, direction: 'output' }, usage.completionTokens);
            if (usage.cost > 0) instruments.cost.inc({ tenant }, usage.cost);
            span?.setAttributes(responseAttributes(def, result));
            return result;
          },
        ),
    };
  }

  /** A fetch for a provider's HTTP client: counts every attempt that came back 429 or 5xx, retried or not. */
  fetch(def: ModelDef, base: typeof fetch = fetch): typeof fetch {
    const instruments = this.instruments;
    const labels = { model: modelNameOf(def), provider: providerOf(def) };
    return async (input, init) => {
      const res = await base(input, init);
      const kind: ModelErrorKind | undefined = res.status === 429 ? '429' : res.status >= 500 ? '5xx' : undefined;
      if (kind) instruments.modelErrors.inc({ ...labels, kind });
      return res;
    };
  }
}

/**
 * Failures no HTTP attempt showed: a timeout, an unreachable server, a reply that could not be
 * read. 429s and 5xx were counted per attempt by `fetch`; an abort is the caller's, not an error.
 */
function callErrorKind(error: unknown): ModelErrorKind | undefined {
  if (!(error instanceof ModelError)) return 'bad_response';
  if (error.code === 'timeout') return 'timeout';
  if (error.code === 'bad_response') return 'bad_response';
  if (error.code === 'server_error' && (error.details as { status?: number } | undefined)?.status === undefined)
    return 'connection';
  return undefined;
}
