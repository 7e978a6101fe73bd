import type { AgentId } from './ids.ts';
import { SingleThreadedAgentRuntime } from './single-threaded-runtime.ts';
import type { Agent, HandlerError, MessageContext } from './types.ts';

export interface Delivery {
  agent: string;
  message: unknown;
  ctx: MessageContext;
}

/** Shared log of what every recording agent received, in handling order. */
export class DeliveryLog {
  readonly deliveries: Delivery[] = [];

  /** Messages received by one agent ("type/key"). */
  of(agent: string): unknown[] {
    return this.deliveries.filter((d) => d.agent === agent).map((d) => d.message);
  }

  agents(): string[] {
    return this.deliveries.map((d) => d.agent);
  }
}

type Behaviour = (message: unknown, ctx: MessageContext, self: RecordingAgent) => unknown;

/** An agent that records each message and then does what the test asks (or nothing). */
export class RecordingAgent implements Agent {
  count = 0;
  closed = false;

  constructor(
    readonly id: AgentId,
    private readonly log: DeliveryLog,
    private readonly behaviour?: Behaviour,
  ) {}

  onMessage(message: unknown, ctx: MessageContext): unknown {
    this.count++;
    this.log.deliveries.push({ agent: this.id.toString(), message, ctx });
    return this.behaviour?.(message, ctx, this);
  }

  saveState(): unknown {
    return { count: this.count };
  }

  loadState(state: unknown): void {
    this.count = (state as { count: number }).count;
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * A runtime whose agents record what they handle: `register` adds a type of recording agents
 * (each one also in `made`, in creation order), `errors` collects the handler errors it reports.
 */
export function recordingRuntime() {
  const runtime = new SingleThreadedAgentRuntime();
  const log = new DeliveryLog();
  const made: RecordingAgent[] = [];
  const register = (type: string, behaviour?: Behaviour) =>
    runtime.registerFactory(type, (id) => {
      const agent = new RecordingAgent(id, log, behaviour);
      made.push(agent);
      return agent;
    });
  const errors: HandlerError[] = [];
  runtime.onHandlerError((e) => errors.push(e));
  return { runtime, log, made, register, errors };
}

export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
