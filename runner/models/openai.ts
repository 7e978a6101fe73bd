import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  RateLimitError,
} from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions/completions';
import type { z } from 'zod';
import type { OpenAIModel } from '../../schemas/models.ts';
import { traceHeaders } from '../telemetry/propagation.ts';
import { estimateTokens, promptChars, toolCallChars } from './estimate.ts';
import { ModelError } from './model-error.ts';
import { toWireMessages, toWireTools } from './openai-wire.ts';
import type { ChatRequest, ChatResult, ModelClient, ToolCall } from './types.ts';

export type OpenAIModelDef = z.output<typeof OpenAIModel>;

/**
 * A model behind any OpenAI-compatible endpoint (OpenAI, Azure-compatible, Ollama, vLLM).
 * One instance per (tenant, model definition) is shared by every session.
 *
 * Retries on 429/5xx and connection errors are the `openai` package's own (exponential backoff
 * that honours Retry-After / retry-after-ms), up to `maxRetries`. `timeoutMs` bounds each attempt
 * until the response starts and, for a stream, every gap between two chunks.
 */
export class OpenAIModelClient implements ModelClient {
  private readonly client: OpenAI;

  /**
   * `apiKey` comes from the tenant's named credential (resolved by the caller), never from env here.
   * `fetch` sees every HTTP attempt (telemetry: the 429s the package retries).
   */
  constructor(
    private readonly def: OpenAIModelDef,
    apiKey: string,
    fetch?: typeof globalThis.fetch,
  ) {
    // Everything explicit: left undefined, the package would read OPENAI_BASE_URL, OPENAI_ORG_ID...
    // from the process env, which may belong to another tenant.
    this.client = new OpenAI({
      apiKey,
      baseURL: def.baseUrl ?? 'https://api.openai.com/v1',
      organization: null,
      project: null,
      maxRetries: def.maxRetries,
      timeout: def.timeoutMs,
      ...(fetch ? { fetch } : {}),
    });
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    request.signal?.addEventListener('abort', abort, { once: true });
    if (request.signal?.aborted) controller.abort();
    const watchdog = { timedOut: false };
    try {
      return request.onToken
        ? await this.stream(request, request.onToken, controller, watchdog)
        : await this.complete(request, controller.signal);
    } catch (e) {
      throw this.toModelError(e, request.signal?.aborted === true, watchdog.timedOut);
    } finally {
      request.signal?.removeEventListener('abort', abort);
    }
  }

  private body(request: ChatRequest): ChatCompletionCreateParamsBase {
    return {
      model: this.def.model,
      messages: toWireMessages(request.messages),
      ...(request.tools?.length ? { tools: toWireTools(request.tools) } : {}),
      ...(this.def.temperature === undefined ? {} : { temperature: this.def.temperature }),
      ...(this.def.maxTokens === undefined ? {} : { max_tokens: this.def.maxTokens }),
    };
  }

  private async complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const res = await this.client.chat.completions.create(
      { ...this.body(request), stream: false },
      { signal, headers: traceHeaders(request.trace) },
    );
    const choice = res.choices?.[0];
    if (!choice?.message)
      throw new ModelError(
        'bad_response',
        `model "${this.def.id}": the response has no choices (empty or malformed body)`,
      );
    const content = choice.message.content ?? '';
    const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).flatMap((c) =>
      c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments ?? '' }] : [],
    );
    return {
      content,
      toolCalls,
      usage: this.usage(request, content, toolCalls, res.usage),
      ...finishedBy(choice.finish_reason),
    };
  }

  private async stream(
    request: ChatRequest,
    onToken: (delta: string) => void,
    controller: AbortController,
    watchdog: { timedOut: boolean },
  ): Promise<ChatResult> {
    const stream = await this.client.chat.completions.create(
      { ...this.body(request), stream: true, stream_options: { include_usage: true } },
      { signal: controller.signal, headers: traceHeaders(request.trace) },
    );
    // The package's timeout stops at the response headers; a stream that stalls needs its own guard.
    const idle = setTimeout(() => {
      watchdog.timedOut = true;
      controller.abort();
    }, this.def.timeoutMs);
    let content = '';
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    let finishReason: string | undefined;
    let usage: OpenAI.CompletionUsage | undefined;
    try {
      for await (const chunk of stream) {
        idle.refresh();
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        if (choice.finish_reason) finishReason = choice.finish_reason;
        const delta = choice.delta;
        if (delta?.content) {
          content += delta.content;
          onToken(delta.content);
        }
        for (const part of delta?.tool_calls ?? []) {
          const call = (calls[part.index] ??= { id: '', name: '', arguments: '' });
          if (part.id) call.id = part.id;
          if (part.function?.name) call.name += part.function.name;
          if (part.function?.arguments) call.arguments += part.function.arguments;
        }
      }
    } catch (e) {
      // Past the headers the server was reached: a failure now is a broken reply, not a connection problem.
      if (controller.signal.aborted) throw e;
      throw new ModelError(
        'bad_response',
        `model "${this.def.id}": the stream broke off after ${content.length} characters: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      clearTimeout(idle);
    }
    if (!finishReason)
      throw new ModelError(
        'bad_response',
        `model "${this.def.id}": the stream ended before the model finished its reply`,
      );
    const toolCalls = calls.filter(Boolean).map((c, i) => ({ ...c, id: c.id || `call_${i + 1}` }));
    return { content, toolCalls, usage: this.usage(request, content, toolCalls, usage), finishReason };
  }

  private usage(
    request: ChatRequest,
    content: string,
    toolCalls: ToolCall[],
    reported: OpenAI.CompletionUsage | null | undefined,
  ): ChatResult['usage'] {
    if (reported)
      return { promptTokens: reported.prompt_tokens, completionTokens: reported.completion_tokens, estimated: false };
    return {
      promptTokens: estimateTokens(promptChars(request.messages)),
      completionTokens: estimateTokens(content.length + toolCallChars(toolCalls)),
      estimated: true,
    };
  }

  private toModelError(e: unknown, callerAborted: boolean, timedOut: boolean): ModelError {
    const who = `model "${this.def.id}" (${this.def.model})`;
    // An aborted stream ends quietly inside the package, so the cause is checked before the symptom.
    if (callerAborted) return new ModelError('aborted', `${who}: call aborted`);
    if (timedOut || e instanceof APIConnectionTimeoutError)
      return new ModelError('timeout', `${who}: no response within ${this.def.timeoutMs} ms`);
    if (e instanceof ModelError) return e;
    if (e instanceof APIUserAbortError) return new ModelError('aborted', `${who}: call aborted`);
    if (e instanceof RateLimitError)
      return new ModelError('rate_limited', `${who}: rate limited (HTTP 429) after ${this.def.maxRetries} retries`, {
        status: 429,
      });
    if (e instanceof APIError && e.status !== undefined && e.status >= 500)
      return new ModelError(
        'server_error',
        `${who}: server error (HTTP ${e.status}) after ${this.def.maxRetries} retries: ${e.message}`,
        { status: e.status },
      );
    if (e instanceof APIConnectionError)
      return new ModelError('server_error', `${who}: cannot reach ${this.client.baseURL}: ${e.message}`);
    if (e instanceof APIError)
      return new ModelError('bad_response', `${who}: request refused (HTTP ${e.status ?? '?'}): ${e.message}`, {
        status: e.status,
      });
    return new ModelError(
      'bad_response',
      `${who}: the response could not be read: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** The provider's finish_reason, when it gave one (some compatible servers leave it null). */
function finishedBy(reason: string | null | undefined): Pick<ChatResult, 'finishReason'> {
  return reason ? { finishReason: reason } : {};
}
