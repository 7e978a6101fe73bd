import { context, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
import type { SessionInfo, TurnEndReason } from '../../schemas/protocol.ts';
import { secondsSince, type Instruments } from './instruments.ts';
import { loopWorks } from './loop-work.ts';
import { tracer } from './spans.ts';
import { tracing } from './tracing.ts';

/** A running turn as telemetry sees it: its root span and what its calls record into. */
export interface TurnTrace {
  readonly context: Context;
  readonly span: Span | undefined;
  readonly instruments: Instruments | undefined;
  readonly tenant: string;
  readonly sessionId: string;
  readonly graph: string;
  readonly startedAt: number;
  reason?: TurnEndReason;
}

/** Running turns by turn id (UUIDs: one map serves every runner of the process). */
const turns = new Map<string, TurnTrace>();
/** The same turns by session id: a session runs one turn at a time, and its writes belong to it. */
const bySession = new Map<string, TurnTrace>();
/** The caller's context for an accepted message, until its turn starts. */
const callers = new WeakMap<object, Context>();

/** Keeps the active context (the caller's trace) for the turn `item` will start. */
export function rememberCaller(item: object): void {
  if (tracing.enabled) callers.set(item, context.active());
}

/** Opens the turn's root span, a child of the caller's span when the message came with one. */
export function startTurnTrace(
  item: object & { turnId: string },
  info: SessionInfo,
  instruments: Instruments | undefined,
): TurnTrace {
  const parent = callers.get(item) ?? ROOT_CONTEXT;
  callers.delete(item);
  const span = tracing.enabled
    ? tracer.startSpan(
        `turn ${info.graphId}`,
        {
          attributes: {
            'switchboard.tenant': info.tenant,
            ...(info.user === undefined ? {} : { 'switchboard.user': info.user }),
            'switchboard.session.id': info.id,
            'switchboard.graph.id': info.graphId,
            'switchboard.graph.version': info.graphVersion,
            'switchboard.turn.id': item.turnId,
          },
        },
        parent,
      )
    : undefined;
  const traced: TurnTrace = {
    context: span ? trace.setSpan(parent, span) : ROOT_CONTEXT,
    span,
    instruments,
    tenant: info.tenant,
    sessionId: info.id,
    graph: info.graphId,
    startedAt: performance.now(),
  };
  turns.set(item.turnId, traced);
  bySession.set(info.id, traced);
  loopWorks();
  return traced;
}

/** Turns started and not yet finished, in every runner of the process. */
export const runningTurns = (): number => turns.size;

export const turnTrace = (turnId: string): TurnTrace | undefined => turns.get(turnId);

/** The W3C trace id of a running turn, for the clients' events; undefined when not traced. */
export const traceIdOf = (turnId: string): string | undefined => turns.get(turnId)?.span?.spanContext().traceId;

/**
 * Records the turn's end reason and duration and ends its root span. The turn stays known until
 * finishTurnTrace, so the writes that store its end are still its children (a store may hold
 * such a write back a few seconds to send it with the next: that wait is not the turn's).
 */
export function turnEnded(turnId: string, reason: TurnEndReason): void {
  const t = turns.get(turnId);
  if (!t || t.reason) return;
  t.reason = reason;
  t.span?.setAttribute('switchboard.turn.end_reason', reason);
  t.span?.end();
  t.instruments?.turnDuration.observe({ graph: t.graph, reason }, secondsSince(t.startedAt));
}

/** The trace context of session `sessionId`'s turn, running or saving its end; undefined when none is traced. */
export const sessionTrace = (sessionId: string): Context | undefined => {
  const t = bySession.get(sessionId);
  return t?.span ? t.context : undefined;
};

/** Forgets the turn; ends its span if the turn stopped without an end (shutdown, moved away). */
export function finishTurnTrace(turnId: string): void {
  const t = turns.get(turnId);
  turns.delete(turnId);
  if (t && bySession.get(t.sessionId) === t) bySession.delete(t.sessionId);
  if (t && !t.reason) t.span?.end();
}
