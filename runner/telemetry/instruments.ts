import { Counter, Histogram, type Registry } from 'prom-client';

/** Seconds: a scripted model answers in microseconds, a real one in seconds, a long turn in minutes. */
const SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** How a model call attempt failed, as the operator asks: "was it slow, throttled or down?" */
export type ModelErrorKind = 'timeout' | '429' | '5xx' | 'connection' | 'bad_response';

/**
 * The histograms and counters a runner records about its turns. Labels are bounded: graph ids,
 * model and tool names, tenants and end reasons come from configuration, never session or user ids.
 * One set per runner, registered in the runner's own registry (tests start several in a process).
 */
export class Instruments {
  readonly turnDuration: Histogram<'graph' | 'reason'>;
  readonly modelDuration: Histogram<'model' | 'provider'>;
  readonly modelErrors: Counter<'model' | 'provider' | 'kind'>;
  readonly toolDuration: Histogram<'tool'>;
  readonly toolErrors: Counter<'tool'>;
  readonly storeWriteDuration: Histogram<'store' | 'operation'>;
  readonly tokens: Counter<'tenant' | 'model' | 'direction'>;
  readonly cost: Counter<'tenant'>;
  readonly sessionsCreated: Counter;
  readonly sessionsClosed: Counter;
  readonly sessionsTimedOut: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    const buckets = SECONDS;
    this.turnDuration = new Histogram({
      name: 'switchboard_turn_duration_seconds',
      help: 'Turns from start to end, by graph and end reason',
      labelNames: ['graph', 'reason'],
      buckets,
      registers,
    });
    this.modelDuration = new Histogram({
      name: 'switchboard_model_call_duration_seconds',
      help: 'Model calls that answered, retries included, by model and provider',
      labelNames: ['model', 'provider'],
      buckets,
      registers,
    });
    this.modelErrors = new Counter({
      name: 'switchboard_model_call_errors_total',
      help: 'Failed model call attempts (a retried 429 counts too), by model, provider and kind',
      labelNames: ['model', 'provider', 'kind'],
      registers,
    });
    this.toolDuration = new Histogram({
      name: 'switchboard_tool_call_duration_seconds',
      help: 'Tool calls, failed ones included, by tool',
      labelNames: ['tool'],
      buckets,
      registers,
    });
    this.toolErrors = new Counter({
      name: 'switchboard_tool_call_errors_total',
      help: 'Tool calls that failed, by tool',
      labelNames: ['tool'],
      registers,
    });
    this.storeWriteDuration = new Histogram({
      name: 'switchboard_store_write_duration_seconds',
      help: 'Store writes, by store and operation',
      labelNames: ['store', 'operation'],
      buckets,
      registers,
    });
    this.tokens = new Counter({
      name: 'switchboard_model_tokens_total',
      help: 'Tokens of model calls, by tenant, model and direction (input, output)',
      labelNames: ['tenant', 'model', 'direction'],
      registers,
    });
    this.cost = new Counter({
      name: 'switchboard_model_cost_total',
      help: "Cost of model calls in the models' pricing currency, by tenant",
      labelNames: ['tenant'],
      registers,
    });
    this.sessionsCreated = new Counter({
      name: 'switchboard_sessions_created_total',
      help: 'Sessions created',
      registers,
    });
    this.sessionsClosed = new Counter({
      name: 'switchboard_sessions_closed_total',
      help: 'Sessions closed by a client',
      registers,
    });
    this.sessionsTimedOut = new Counter({
      name: 'switchboard_sessions_timed_out_total',
      help: 'Quiet sessions whose agents were freed after the idle timeout',
      registers,
    });
  }
}

/** Seconds since `start` (a performance.now() reading). */
export const secondsSince = (start: number): number => (performance.now() - start) / 1000;
