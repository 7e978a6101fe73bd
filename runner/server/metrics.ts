import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServerEventName, ServerEvents } from '../../schemas/protocol.ts';
import type { Sessions } from '../sessions/types.ts';
import { registerEventLoopLag } from '../telemetry/event-loop-lag.ts';

/** The longest timer period libuv is given (~24.8 days). */
const NEVER_MS = 2 ** 31 - 1;

/**
 * Prometheus metrics of one runner. Gauges read their values at scrape time, so nothing runs
 * between scrapes; each runner has its own registry (tests start several in one process).
 */
export class Metrics {
  readonly httpRequests: Counter<'method' | 'status'>;
  readonly socketEvents: Counter<'event' | 'outcome'>;
  readonly socketConnections: Gauge;
  readonly userMessages: Counter;
  readonly turns: Counter<'reason'>;
  readonly messages: Counter;
  /** Stops the event-loop lag monitor (the runner closes). */
  readonly close: () => void;

  /** `registry` may already hold the turn instruments (telemetry/instruments.ts), made before the sessions. */
  constructor(
    sessions: Pick<Sessions, 'stats'>,
    readonly registry = new Registry(),
  ) {
    const registers = [this.registry];
    // prom-client's event-loop lag statistics are replaced (see registerEventLoopLag); its own
    // monitor, which only they read, always runs: at the longest period it as good as never fires.
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'switchboard_',
      eventLoopMonitoringPrecision: NEVER_MS,
    });
    this.close = registerEventLoopLag(this.registry, 'switchboard_');
    new Gauge({
      name: 'switchboard_live_sessions',
      help: 'Sessions with agents in memory',
      registers,
      collect() {
        this.set(sessions.stats().liveSessions);
      },
    });
    new Gauge({
      name: 'switchboard_agent_instances',
      help: 'Agent instances in memory',
      registers,
      collect() {
        this.set(sessions.stats().instances);
      },
    });
    new Gauge({
      name: 'switchboard_queue_depth',
      help: 'Messages queued in the runtime',
      registers,
      collect() {
        this.set(sessions.stats().queueDepth);
      },
    });
    this.httpRequests = new Counter({
      name: 'switchboard_http_requests_total',
      help: 'HTTP requests by method and status',
      labelNames: ['method', 'status'],
      registers,
    });
    this.socketEvents = new Counter({
      name: 'switchboard_socket_events_total',
      help: 'Inbound Socket.IO events by name and outcome',
      labelNames: ['event', 'outcome'],
      registers,
    });
    this.socketConnections = new Gauge({
      name: 'switchboard_socket_connections',
      help: 'Connected sockets',
      registers,
    });
    this.userMessages = new Counter({
      name: 'switchboard_user_messages_total',
      help: 'User messages accepted',
      registers,
    });
    this.turns = new Counter({
      name: 'switchboard_turns_total',
      help: 'Turn ends delivered to Socket.IO rooms, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.messages = new Counter({
      name: 'switchboard_messages_total',
      help: 'Session messages delivered to Socket.IO rooms',
      registers,
    });
  }

  /** Counts a session event delivered to a Socket.IO room (in one process, or by a cluster owner). */
  countDelivered<E extends ServerEventName>(event: E, payload: ServerEvents[E]): void {
    if (event === 'message') this.messages.inc();
    else if (event === 'turn_end') this.turns.inc({ reason: (payload as ServerEvents['turn_end']).reason });
  }
}
