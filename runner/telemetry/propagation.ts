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

/** Runs `fn` in the trace context `carrier` holds (a no-op without one or with tracing off). */
export function withTraceContext<T>(carrier: object | undefined, fn: () => T): T {
  if (!tracing.enabled || typeof (carrier as TraceCarrier | undefined)?.traceparent !== 'string') return fn();
  return context.with(extractTraceContext(carrier), fn);
}

/** Express middleware: the rest of the request runs in the trace context of its W3C headers. */
export function continueTrace(req: { headers: object }, _res: unknown, next: () => void): void {
  withTraceContext(req.headers, next);
}

/** The active trace context as W3C fields, to send along (to another process); empty when off. */
export function currentTraceCarrier(): TraceCarrier {
  if (!tracing.enabled) return {};
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Adds traceparent/tracestate of the active span to outgoing HTTP headers. */
export function injectTraceHeaders(headers: Headers): void {
  if (!tracing.enabled) return;
  propagation.inject(context.active(), headers, { set: (h, key, value) => h.set(key, value) });
}
