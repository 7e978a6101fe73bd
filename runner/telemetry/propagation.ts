import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { tracing } from './tracing.ts';

/** W3C trace context fields, as they travel in headers, in a Socket.IO payload or between processes. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The caller's trace context from W3C headers (traceparent, tracestate); the active one when none came. */
export function extractTraceContext(from: object | undefined): Context {
  const carrier = from as Record<string, unknown> | undefined;
  if (!tracing.enabled || !carrier || typeof carrier.traceparent !== 'string') return context.active();
  return propagation.extract(ROOT_CONTEXT, carrier, {
    get: (c, key) => (typeof c[key] === 'string' ? (c[key] as string) : undefined),
    keys: (c) => Object.keys(c),
  });
}

/**
 * Runs `fn` in the trace context `carrier` holds (a no-op without one or with tracing off). The
 * context is active only while `fn` runs synchronously (sync-context.ts): what needs it later
 * takes it there (SessionManager.send, resumeTrace).
 */
export function withTraceContext<T>(carrier: object | undefined, fn: () => T): T {
  if (!tracing.enabled || typeof (carrier as TraceCarrier | undefined)?.traceparent !== 'string') return fn();
  return context.with(extractTraceContext(carrier), fn);
}

/** Keeps the active trace context, to run code in it again after an await. */
export function resumeTrace(): <T>(fn: () => T) => T {
  if (!tracing.enabled) return (fn) => fn();
  const kept = context.active();
  return (fn) => context.with(kept, fn);
}

/** The active trace context as W3C fields, to send along (to another process); empty when off. */
export function currentTraceCarrier(): TraceCarrier {
  if (!tracing.enabled) return {};
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Adds traceparent/tracestate of `trace` (a span's context) to outgoing HTTP headers. */
export function injectTraceHeaders(headers: Headers, trace: Context | undefined): void {
  if (!tracing.enabled || !trace) return;
  propagation.inject(trace, headers, { set: (h, key, value) => h.set(key, value) });
}

/** traceparent/tracestate of `trace` as a header record; undefined when not traced. */
export function traceHeaders(trace: Context | undefined): Record<string, string> | undefined {
  if (!tracing.enabled || !trace) return undefined;
  const headers: Record<string, string> = {};
  propagation.inject(trace, headers);
  return headers;
}
