import { copyMessage } from './copy.ts';
import { DROP } from './types.ts';
import type { InterventionHandler } from './types.ts';

export type Hook = (handler: InterventionHandler, message: unknown) => unknown;

/**
 * Passes a message through intervention handlers in order. Stays synchronous while they answer
 * synchronously (so plain tracing costs no tick) and returns a Promise from the first one that
 * does not. The result is DROP or the message, copied again if a handler rewrote it; undefined
 * means "no change" (AutoGen documents this but replaces the message with None).
 */
export function intervene(handlers: readonly InterventionHandler[], message: unknown, hook: Hook, from = 0): unknown {
  for (let i = from; i < handlers.length; i++) {
    const answer = hook(handlers[i], message);
    if (answer instanceof Promise || isThenable(answer)) {
      return Promise.resolve(answer).then((a) => {
        const next = apply(a, message);
        return next === DROP ? DROP : intervene(handlers, next, hook, i + 1);
      });
    }
    const next = apply(answer, message);
    if (next === DROP) return DROP;
    message = next;
  }
  return message;
}

function apply(answer: unknown, message: unknown): unknown {
  if (answer === DROP) return DROP;
  return answer === undefined ? message : copyMessage(answer);
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
