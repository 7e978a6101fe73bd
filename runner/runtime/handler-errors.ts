import type { HandlerError } from './types.ts';

/** Errors of handlers nobody awaits (a publish's recipients, an agent's close), told to listeners. */
export class HandlerErrors {
  private readonly listeners = new Set<(e: HandlerError) => void>();

  listen(listener: (e: HandlerError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Without listeners, to the console: a failing handler must never go unnoticed. */
  report(e: HandlerError): void {
    if (this.listeners.size === 0) {
      console.error(`handler of ${e.agent} failed on message ${e.messageId}:`, e.error);
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(e);
      } catch {
        // A failing listener must not stop the runtime or the other listeners.
      }
    }
  }
}
