import type { MessageEvent, TurnEndEvent } from '../../../schemas/protocol.ts';
import { totalsByAgent, type AgentCall, type AgentTotals } from './calls.ts';
import type { SessionView } from './transcript.ts';

/** What the trace lists for the chosen sessions: per session, per turn, the calls and the messages between them. */
export type TraceRow =
  | { kind: 'session'; key: string; sessionId: string; totals: AgentTotals[] }
  | {
      kind: 'turn';
      key: string;
      sessionId: string;
      turnId: string;
      index: number;
      start: number;
      end: number;
      ended?: TurnEndEvent;
      totals: AgentTotals[];
    }
  | { kind: 'call'; key: string; call: AgentCall; turnStart: number; span: number }
  | { kind: 'message'; key: string; message: MessageEvent; turnStart: number };

export type TraceFilter = { sessionId: string; agent: string; topic: string; text: string };

/** A session as the trace reads it: its messages and calls, and its received turn ends. */
type Source = Pick<SessionView, 'id' | 'trace' | 'calls' | 'items'>;

function turnEnds(items: SessionView['items']): Map<string, TurnEndEvent> {
  const ends = new Map<string, TurnEndEvent>();
  for (const i of items) if (i.kind === 'turn_end' && i.event) ends.set(i.turnId, i.event);
  return ends;
}

/** The rows of one session: a header with its per-agent totals, then each turn with its own. */
function sessionRows(source: Source, filter: TraceFilter): TraceRow[] {
  const needle = filter.text.trim().toLowerCase();
  const keepMessage = (m: MessageEvent) =>
    (!filter.agent || m.sender === filter.agent || m.recipients.includes(filter.agent)) &&
    (!filter.topic || m.topic.type === filter.topic) &&
    (!needle || m.content.toLowerCase().includes(needle));
  const keepCall = (c: AgentCall) => (!filter.agent || c.agent === filter.agent) && !needle && !filter.topic;

  const turns = new Map<string, { messages: MessageEvent[]; calls: AgentCall[] }>();
  const turn = (id: string) => turns.get(id) ?? turns.set(id, { messages: [], calls: [] }).get(id)!;
  for (const m of source.trace) turn(m.turnId).messages.push(m);
  for (const c of source.calls) turn(c.turnId).calls.push(c);
  const ends = turnEnds(source.items);

  const rows: TraceRow[] = [
    { kind: 'session', key: `s-${source.id}`, sessionId: source.id, totals: totalsByAgent(source.calls) },
  ];
  let index = 0;
  for (const [turnId, { messages, calls }] of turns) {
    index++;
    const times = [...messages.map((m) => m.time), ...calls.flatMap((c) => [c.start, c.end ?? c.start])];
    const ended = ends.get(turnId);
    const start = Math.min(...times);
    const end = Math.max(...times, ended?.time ?? 0);
    const span = Math.max(1, end - start);
    const body: TraceRow[] = [
      ...calls
        .filter(keepCall)
        .map((call): TraceRow => ({ kind: 'call', key: `c-${call.key}`, call, turnStart: start, span })),
      ...messages.filter(keepMessage).map((message): TraceRow => ({
        kind: 'message',
        key: `m-${source.id}-${message.id}`,
        message,
        turnStart: start,
      })),
    ].sort(byTime);
    if (body.length === 0) continue;
    rows.push(
      {
        kind: 'turn',
        key: `t-${source.id}-${turnId}`,
        sessionId: source.id,
        turnId,
        index,
        start,
        end,
        ended,
        totals: totalsByAgent(calls),
      },
      ...body,
    );
  }
  return rows;
}

const at = (row: TraceRow) => (row.kind === 'call' ? row.call.start : row.kind === 'message' ? row.message.time : 0);

/**
 * Time order; within one millisecond (a scripted model answers in less), a call comes before
 * the messages its agent published and after the ones delivered to it. The sort is stable, so
 * calls keep their start order and messages their transcript order.
 */
function byTime(a: TraceRow, b: TraceRow): number {
  const d = at(a) - at(b);
  if (d !== 0 || a.kind === b.kind) return d;
  if (a.kind === 'call' && b.kind === 'message') return b.message.sender === a.call.agent ? -1 : 1;
  if (a.kind === 'message' && b.kind === 'call') return a.message.sender === b.call.agent ? 1 : -1;
  return 0;
}

export function traceRows(sources: readonly Source[], filter: TraceFilter): TraceRow[] {
  return sources.filter((s) => !filter.sessionId || s.id === filter.sessionId).flatMap((s) => sessionRows(s, filter));
}
