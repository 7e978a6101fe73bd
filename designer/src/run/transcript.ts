import type { InputRequestEvent, MessageEvent, SessionState, TurnEndEvent, Usage } from '../../../schemas/protocol.ts';
import type { AgentCall } from './calls.ts';

/**
 * A turn's end as the chat shows it. `event` is missing when the end was inferred rather than
 * received: the designer was offline when the runner sent it, and the session's state or a
 * later turn's end says the turn is over (the reason is then unknown).
 */
export type TurnEndItem = { kind: 'turn_end'; id: string; turnId: string; event?: TurnEndEvent };

export type ChatItem =
  | { kind: 'message'; id: string; message: MessageEvent; streamed?: boolean }
  | { kind: 'stream'; id: string; agent: string; text: string }
  /** `closed`: its turn ended with no answer from this tab (answered elsewhere, timed out, aborted). */
  | { kind: 'input'; id: string; request: InputRequestEvent; answer?: string; closed?: true }
  | TurnEndItem
  /** `agent`: the agent whose call failed, shown by its label before the text. */
  | { kind: 'error'; id: string; text: string; agent?: string };

export interface SessionView {
  id: string;
  state: SessionState;
  items: ChatItem[];
  /** Every message of the session, in transcript order: the trace inspector's rows. */
  trace: MessageEvent[];
  usage?: Usage;
  /** Agent types working right now. */
  working: string[];
  /** Agent calls, heard live or read from the calls transcript messages carry, in start order. */
  calls: AgentCall[];
}

type Change = Pick<SessionView, 'items' | 'trace' | 'working'>;

const ACTIVE: ReadonlySet<SessionState> = new Set(['running', 'paused', 'waiting_input']);

/**
 * Where a live message belongs in the transcript: after every message at least as old. Live
 * events nearly always come in order (this is then the end); a message that overtook a catch-up
 * is put back where the transcript has it.
 */
function livePosition(trace: readonly MessageEvent[], message: MessageEvent): number {
  let at = trace.length;
  while (at > 0 && trace[at - 1]!.time > message.time) at--;
  return at;
}

/**
 * Puts a chat item before the item of the message that follows it in the transcript, and not
 * before `floor`. With no such message it goes last, but before streams still being written at
 * the end: their messages are published when the stream is complete, so they come after
 * anything delivered meanwhile.
 */
function placeItem(
  items: readonly ChatItem[],
  item: ChatItem,
  nextMessageId: string | undefined,
  floor = 0,
): ChatItem[] {
  let at = nextMessageId === undefined ? -1 : items.findIndex((i) => i.kind === 'message' && i.id === nextMessageId);
  if (at < 0) {
    at = items.length;
    while (at > 0 && items[at - 1]!.kind === 'stream') at--;
  }
  at = Math.max(at, floor);
  return [...items.slice(0, at), item, ...items.slice(at)];
}

// Agent events are sent lossy; a message itself says who now has work: its recipients.
const workingAfter = (working: readonly string[], message: MessageEvent) => [
  ...new Set([...working.filter((a) => a !== message.sender), ...message.recipients]),
];

/** Inserts a message not yet in the view at transcript index `at`. */
function insertMessage(view: Change, message: MessageEvent, at: number): Change {
  const trace = [...view.trace.slice(0, at), message, ...view.trace.slice(at)];
  const streamed = view.items.findIndex((i) => i.kind === 'stream' && i.id === message.id);
  const item: ChatItem = { kind: 'message', id: message.id, message, streamed: streamed >= 0 };
  const items =
    streamed >= 0
      ? view.items.map((i, n) => (n === streamed ? item : i))
      : placeItem(view.items, item, trace[at + 1]?.id);
  return { items, trace, working: workingAfter(view.working, message) };
}

/** A live message, de-duplicated by id and placed in transcript order. */
export function addLiveMessage(view: SessionView, message: MessageEvent): Change | undefined {
  if (view.trace.some((m) => m.id === message.id)) return undefined;
  return insertMessage(view, message, livePosition(view.trace, message));
}

/**
 * Merges a catch-up (the transcript after `afterId`, in the runner's order) into the view. Live
 * messages may have arrived before it (the socket is in the session's room before the runner
 * reads the transcript): they keep their place and each missing message goes right after its
 * predecessor in the catch-up, so the result follows the transcript instead of arrival order.
 */
export function mergeCatchUp(
  view: SessionView,
  afterId: string | undefined,
  messages: readonly MessageEvent[],
): Change {
  // A first look at a session (attaching to it) takes the transcript as it is, in one pass rather
  // than one insertion per message; what came live before it (input requests, errors) is newer.
  if (view.trace.length === 0 && !view.items.some((i) => i.kind === 'stream')) {
    const trace = [...new Map(messages.map((m) => [m.id, m])).values()];
    const items: ChatItem[] = trace.map((m) => ({ kind: 'message', id: m.id, message: m }));
    return { trace, items: [...items, ...view.items], working: trace.reduce(workingAfter, view.working) };
  }
  let next: Change = view;
  const known = new Set(view.trace.map((m) => m.id));
  let previous = afterId;
  for (const message of messages) {
    if (!known.has(message.id)) {
      const after = previous === undefined ? -1 : next.trace.findIndex((m) => m.id === previous);
      const at = after >= 0 ? after + 1 : previous === undefined ? 0 : livePosition(next.trace, message);
      next = insertMessage(next, message, at);
      known.add(message.id);
    }
    previous = message.id;
  }
  return next;
}

/** Turns in the order they were asked (a turn's first message is its user's), with where each ends in the transcript. */
function turnsOf(trace: readonly MessageEvent[]): Map<string, { last: number; answered: boolean }> {
  const turns = new Map<string, { last: number; answered: boolean }>();
  trace.forEach((m, index) => {
    const turn = turns.get(m.turnId) ?? { last: index, answered: false };
    turn.last = index;
    turn.answered ||= m.sender !== 'user';
    turns.set(m.turnId, turn);
  });
  return turns;
}

const inferredEnd = (turnId: string): TurnEndItem => ({ kind: 'turn_end', id: `end-${turnId}`, turnId });

/**
 * Puts each turn end after its turn's last message, and after every end already shown: turns
 * run one after another, while the transcript can interleave them (a message sent during a
 * turn is recorded at once and runs as the next turn).
 */
function placeEnds(view: Change, ends: readonly TurnEndItem[]): ChatItem[] {
  const turns = turnsOf(view.trace);
  let items = view.items;
  for (const end of ends) {
    const last = turns.get(end.turnId)?.last;
    const floor = items.findLastIndex((i) => i.kind === 'turn_end') + 1;
    items = placeItem(items, end, last === undefined ? undefined : view.trace[last + 1]?.id, floor);
  }
  // An ended turn's questions can no longer be answered.
  const over = new Set(ends.map((e) => e.turnId));
  return items.map((i) =>
    i.kind === 'input' && i.answer === undefined && over.has(i.request.turnId) ? { ...i, closed: true } : i,
  );
}

const endedTurns = (items: readonly ChatItem[]) =>
  new Set(items.flatMap((i) => (i.kind === 'turn_end' ? [i.turnId] : [])));

/**
 * Shows the questions a user agent waits on, from a live `input_request` or from a join's answer
 * (both may bring the same one). A request already shown, answered or not, is kept as it is, and
 * one of a turn this tab knows has ended is not shown: a join's answer can be older than the
 * turn's end that came live ahead of it.
 */
export function addInputRequests(items: ChatItem[], requests: readonly InputRequestEvent[]): ChatItem[] {
  const ended = endedTurns(items);
  const shown = new Set(items.flatMap((i) => (i.kind === 'input' ? [i.id] : [])));
  const added: ChatItem[] = [];
  for (const request of requests) {
    if (shown.has(request.requestId) || ended.has(request.turnId)) continue;
    shown.add(request.requestId);
    added.push({ kind: 'input', id: request.requestId, request });
  }
  return added.length ? [...items, ...added] : items;
}

/**
 * Ends the turns a rejoin shows to be over, whose `turn_end` was sent while this tab was away.
 * The runner runs a session's turns one after another: when the session is not active, every
 * turn has ended; when it is, every turn asked before the last one agents answered in has.
 */
export function settleTurns(view: Change, state: SessionState): Change {
  const ended = endedTurns(view.items);
  const open = [...turnsOf(view.trace)].filter(([id]) => !ended.has(id));
  const active = ACTIVE.has(state);
  const over = active
    ? open.slice(
        0,
        Math.max(
          0,
          open.findLastIndex(([, turn]) => turn.answered),
        ),
      )
    : open;
  return {
    ...view,
    items: placeEnds(
      view,
      over.map(([id]) => inferredEnd(id)),
    ),
    working: active ? view.working : [],
  };
}

/**
 * A received turn end goes after the turn's messages, replacing an inferred one (which may have
 * been placed before replies that came later); turns asked before it have ended too.
 */
export function addTurnEnd(view: SessionView, event: TurnEndEvent): Change {
  const item: TurnEndItem = { kind: 'turn_end', id: `end-${event.turnId}`, turnId: event.turnId, event };
  const rest = { ...view, items: view.items.filter((i) => !(i.kind === 'turn_end' && i.turnId === event.turnId)) };
  const ended = endedTurns(rest.items);
  const order = [...turnsOf(view.trace).keys()];
  const earlier = order.slice(0, Math.max(0, order.indexOf(event.turnId))).filter((id) => !ended.has(id));
  return { ...rest, items: placeEnds(rest, [...earlier.map(inferredEnd), item]), working: [] };
}
