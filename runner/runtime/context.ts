import { AsyncLocalStorage } from 'node:async_hooks';
import type { AgentId } from './ids.ts';

/**
 * The handler a piece of code runs on behalf of. Publishing `{ type }` without a source inside a
 * handler takes the handling agent's key as source (AutoGen's DefaultTopicId), which keeps a
 * session's traffic inside the session without every agent passing the session id around.
 */
export interface HandlerScope {
  readonly id: AgentId;
  /** Set once the instance's key was closed: whatever it still publishes or sends goes nowhere. */
  readonly closed: boolean;
  /**
   * The instance is handling a message right now. Work a handler started (a timer, a promise it
   * did not await) keeps its scope after the handler returned; waiting for the key from there
   * cannot deadlock, so only a handling scope is refused that.
   */
  readonly handling: boolean;
  /** The runtime that runs the handler: a scope only counts inside its own runtime. */
  readonly owner: object;
}

/** One storage for the process: each enabled AsyncLocalStorage costs every promise a little. */
export const handlerScope = new AsyncLocalStorage<HandlerScope>();
