import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { tracing } from './tracing.ts';

export const tracer = trace.getTracer('switchboard');

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Default: the active context. */
  parent?: Context;
}

/**
 * Runs `fn` inside a span, ending it when `fn` settles; a throw marks the span as an error and
 * goes on. With tracing off `fn` runs as is, and `span` is undefined.
 */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T> | T): Promise<T> {
  if (!tracing.enabled) return fn(undefined);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks `span` as failed with the error's type and message. */
export function failed(span: Span | undefined, error: unknown): void {
  if (!span) return;
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute('error.type', (error as { code?: unknown })?.code !== undefined ? String((error as { code: unknown }).code) : error instanceof Error ? error.name : 'error');
}

/** Adds values to a string-array attribute of the active span (topics an agent published to). */
export function appendToActiveSpan(key: string, values: readonly string[]): void {
  if (!tracing.enabled) return;
  const span = trace.getActiveSpan() as (Span & { attributes?: Attributes }) | undefined;
  if (!span?.isRecording()) return;
  const before = (span.attributes?.[key] as string[] | undefined) ?? [];
  span.setAttribute(key, [...new Set([...before, ...values])]);
}
