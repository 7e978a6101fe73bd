import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { tracing } from './tracing.ts';

export const tracer = trace.getTracer('switchboard');

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Default: the active context (only set while synchronous code runs; see sync-context.ts). */
  parent?: Context;
}

/**
 * Runs `fn` inside a span, ending it when `fn` settles; a throw marks the span as an error and
 * goes on. `fn` gets the span's context to hand to what it calls (child spans, outgoing
 * headers). With tracing off `fn` runs as is, with no span and no context.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span | undefined, trace: Context | undefined) => Promise<T> | T,
): Promise<T> {
  if (!tracing.enabled) return Promise.resolve(fn(undefined, undefined));
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
  );
  const inside = trace.setSpan(parent, span);
  let running: Promise<T>;
  try {
    running = Promise.resolve(context.with(inside, () => fn(span, inside)));
  } catch (error) {
    running = Promise.reject(error);
  }
  return running.then(
    (value) => (span.end(), value),
    (error: unknown) => {
      failed(span, error);
      span.end();
      throw error;
    },
  );
}

/** Marks `span` as failed with the error's type and message. */
export function failed(span: Span | undefined, error: unknown): void {
  if (!span) return;
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute(
    'error.type',
    (error as { code?: unknown })?.code !== undefined
      ? String((error as { code: unknown }).code)
      : error instanceof Error
        ? error.name
        : 'error',
  );
}
