import type { Mailbox } from './mailbox.ts';
import type { SingleThreadedAgentRuntime } from './single-threaded-runtime.ts';

/**
 * Everything the runtime holds for one key (one session): its instances and its counters, so
 * per-key questions (idle, depth, live instances, close, snapshot) never scan other keys.
 */
export class KeyState {
  /** Agent type → that type's instance for this key. */
  readonly instances = new Map<string, Mailbox>();
  live = 0;
  queued = 0;
  running = 0;
  /** Messages for this key still in their intervention phase. */
  inflight = 0;
  /** The last asynchronous intervention phase: later messages of the key wait behind it, keeping arrival order. */
  tail: Promise<void> | null = null;
  /** A snapshot waits for running handlers: no new message starts except sends they may await. */
  paused = 0;
  /** A snapshot is being taken: nothing starts at all. */
  frozen = 0;
  closed = false;
  idleWaiters: Array<() => void> | null = null;
  quietWaiters: Array<() => void> | null = null;

  constructor(
    readonly key: string,
    readonly owner: SingleThreadedAgentRuntime,
  ) {}

  get work(): number {
    return this.queued + this.running + this.inflight;
  }
}
