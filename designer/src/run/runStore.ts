import { create } from 'zustand';
import type {
  AgentEvent,
  InputRequestEvent,
  MessageEvent,
  SessionInfo,
  SessionState,
  TokenEvent,
  TurnEndEvent,
  Usage,
  UsageEvent,
} from '../../../schemas/protocol.ts';
import type { Hop } from './flow.ts';
import { applyAgentEvent, applyUsage, withLiveMessageCall, withMessageCalls } from './calls.ts';
import {
  addInputRequests,
  addLiveMessage,
  addTurnEnd,
  mergeCatchUp,
  settleTurns,
  type ChatItem,
  type SessionView,
} from './transcript.ts';

export type { ChatItem, SessionView } from './transcript.ts';

/** A hop shown on the canvas until `until` (ms since epoch). */
export type LiveHop = Hop & { key: number; sessionId: string; until: number };
/** An agent that started working lately, shown working until `until` even if it is done sooner. */
export type LiveGlow = { sessionId: string; agent: string; until: number };

export interface Replay {
  sessionId: string;
  messages: MessageEvent[];
  /** Messages up to and including this index have happened. */
  index: number;
  /** Advancing by itself, one message a beat. */
  playing: boolean;
}

/** What the run store takes of a session's answer. */
type Joined = Pick<SessionInfo, 'id' | 'state' | 'inputRequests'> & Partial<Pick<SessionInfo, 'usage'>>;

interface RunState {
  sessions: Record<string, SessionView>;
  order: string[];
  hops: LiveHop[];
  glows: LiveGlow[];
  replay: Replay | undefined;
  /** Shows a session with its transcript so far; for a session already shown, merges it in as a catch-up. */
  open(info: Joined, history?: MessageEvent[]): void;
  /**
   * Applies a join's or rejoin's answer: the transcript after `afterId` in the runner's order,
   * the session's state, which also ends turns whose `turn_end` was missed, and the input
   * requests still waiting, which this tab may not have heard.
   */
  catchUp(info: Joined, afterId: string | undefined, messages: readonly MessageEvent[]): void;
  dismiss(id: string): void;
  reset(): void;
  onMessage(event: MessageEvent): void;
  onToken(event: TokenEvent): void;
  onAgent(event: AgentEvent): void;
  onInputRequest(event: InputRequestEvent): void;
  answered(sessionId: string, requestId: string, answer: string): void;
  onTurnEnd(event: TurnEndEvent): void;
  onUsage(event: UsageEvent): void;
  onState(sessionId: string, state: SessionState): void;
  onError(sessionId: string, text: string): void;
  startReplay(sessionId: string, messages: MessageEvent[], play?: boolean): void;
  /** Moves to a message; a person scrubbing stops the playback. */
  seekReplay(index: number): void;
  playReplay(playing: boolean): void;
  /** The playback's next beat: one message on, stopping at the last. */
  stepReplay(): void;
  stopReplay(): void;
}

const total = (u: Usage | undefined) => (u ? u.promptTokens + u.completionTokens : -1);
/** A session's usage only grows: a join's answer older than a live usage event does not undo it. */
const later = (shown: Usage | undefined, joined: Usage | undefined) => (total(joined) > total(shown) ? joined : shown);

function caughtUp(
  view: SessionView,
  info: Joined,
  afterId: string | undefined,
  messages: readonly MessageEvent[],
): Partial<SessionView> {
  const next = settleTurns(mergeCatchUp(view, afterId, messages), info.state);
  return {
    ...next,
    items: addInputRequests(next.items, info.inputRequests ?? []),
    state: info.state,
    calls: withMessageCalls(view.calls, messages),
    usage: later(view.usage, info.usage),
  };
}

/**
 * A turn ended by an agent's failure names it in its detail, as the failure's own line above
 * it already does: the end then says only that it ended by error.
 */
function saidAlready(items: readonly ChatItem[], event: TurnEndEvent): boolean {
  if (event.reason !== 'error' || !event.detail) return false;
  return items.some((i) => i.kind === 'error' && i.agent !== undefined && `${i.agent}: ${i.text}` === event.detail);
}

/** How long an edge keeps pulsing after a message travelled it. */
export const PULSE_MS = 2500;
let hopSeq = 0;
/**
 * How long an agent shows as working at the least. A fast agent's start and end can land in one
 * frame; without this the canvas would never show it working.
 */
export const GLOW_MS = 600;
/** The one timer that ends the oldest pulses and glows; a burst of messages shares it instead of a timer each. */
let expiry: ReturnType<typeof setTimeout> | undefined;
let expiryAt = Infinity;

export const useRun = create<RunState>((set, get) => {
  const update = (id: string, change: (s: SessionView) => Partial<SessionView>) => {
    const session = get().sessions[id];
    if (!session) return;
    set({ sessions: { ...get().sessions, [id]: { ...session, ...change(session) } } });
  };

  // Hops and glows are added in time order, so the first of each is the next of its kind to end.
  const expire = () => {
    expiry = undefined;
    expiryAt = Infinity;
    const now = Date.now();
    const { hops, glows } = get();
    const liveHops = hops.filter((h) => h.until > now);
    const liveGlows = glows.filter((g) => g.until > now);
    if (liveHops.length !== hops.length || liveGlows.length !== glows.length) set({ hops: liveHops, glows: liveGlows });
    const next = Math.min(liveHops[0]?.until ?? Infinity, liveGlows[0]?.until ?? Infinity);
    if (next !== Infinity) expireBy(next);
  };
  /** The timer fires once the earliest of what is live has ended (a glow ends before the pulses before it). */
  const expireBy = (until: number) => {
    if (until >= expiryAt) return;
    clearTimeout(expiry);
    expiryAt = until;
    expiry = setTimeout(expire, Math.max(0, until - Date.now()) + 50);
  };

  /** The glows with `agents` of this session (re)started now; the caller sets them and calls expireBy. */
  const glowing = (sessionId: string, agents: readonly string[]): LiveGlow[] => {
    const now = Date.now();
    const kept = get().glows.filter((g) => g.until > now && !(g.sessionId === sessionId && agents.includes(g.agent)));
    return [...kept, ...agents.map((agent) => ({ sessionId, agent, until: now + GLOW_MS }))];
  };

  return {
    sessions: {},
    order: [],
    hops: [],
    glows: [],
    replay: undefined,

    open(info, history = []) {
      if (get().sessions[info.id]) return get().catchUp(info, undefined, history);
      const view: SessionView = { id: info.id, state: info.state, items: [], trace: [], working: [], calls: [] };
      set({
        sessions: { ...get().sessions, [info.id]: { ...view, ...caughtUp(view, info, undefined, history) } },
        order: [...get().order, info.id],
      });
    },
    catchUp(info, afterId, messages) {
      update(info.id, (s) => caughtUp(s, info, afterId, messages));
    },
    dismiss(id) {
      const { [id]: _gone, ...rest } = get().sessions;
      set({ sessions: rest, order: get().order.filter((x) => x !== id) });
    },
    reset() {
      clearTimeout(expiry);
      expiry = undefined;
      expiryAt = Infinity;
      set({ sessions: {}, order: [], hops: [], glows: [], replay: undefined });
    },
    onMessage(message) {
      const session = get().sessions[message.sessionId];
      const change = session && addLiveMessage(session, message);
      if (!change) return;
      update(message.sessionId, () => ({ ...change, calls: withLiveMessageCall(session.calls, message) }));
      const until = Date.now() + PULSE_MS;
      const hop: LiveHop = {
        key: ++hopSeq,
        sessionId: message.sessionId,
        sender: message.sender,
        topic: message.topic.type,
        recipients: message.recipients,
        until,
      };
      // Its recipients work on it now; a chat socket hears no agent events, so this is when they start.
      // One set for the pulse and the glows: the canvas syncs once per change of the store.
      set({
        hops: [...get().hops.filter((h) => h.until > Date.now()), hop],
        ...(message.recipients.length ? { glows: glowing(message.sessionId, message.recipients) } : {}),
      });
      expireBy(message.recipients.length ? Math.min(until, Date.now() + GLOW_MS) : until);
    },
    onToken(event) {
      update(event.sessionId, (s) => {
        const at = s.items.findIndex((i) => i.kind === 'stream' && i.id === event.messageId);
        if (at < 0)
          return {
            items: [...s.items, { kind: 'stream', id: event.messageId, agent: event.agent, text: event.delta }],
          };
        return {
          items: s.items.map((i, n) => (n === at && i.kind === 'stream' ? { ...i, text: i.text + event.delta } : i)),
        };
      });
    },
    onAgent(event) {
      if (event.phase === 'start' && get().sessions[event.sessionId]) {
        set({ glows: glowing(event.sessionId, [event.agent]) });
        expireBy(Date.now() + GLOW_MS);
      }
      update(event.sessionId, (s) => {
        const others = s.working.filter((a) => a !== event.agent);
        // A call stopped because its turn had ended (a message limit, an abort) is no agent error:
        // the turn's end says why, once, instead of a red line per stopped call.
        const over =
          event.phase === 'error' &&
          s.items.findLast((i) => i.kind === 'turn_end' && i.turnId === event.turnId) !== undefined;
        const errors: ChatItem[] =
          event.phase === 'error' && !over
            ? [
                {
                  kind: 'error',
                  id: `err-${event.agent}-${event.time}`,
                  agent: event.agent,
                  text: event.error ?? 'failed',
                },
              ]
            : [];
        return {
          working: event.phase === 'start' ? [...others, event.agent] : others,
          items: errors.length ? [...s.items, ...errors] : s.items,
          calls: applyAgentEvent(s.calls, event, over),
        };
      });
    },
    onInputRequest(request) {
      update(request.sessionId, (s) => ({ items: addInputRequests(s.items, [request]) }));
    },
    answered(sessionId, requestId, answer) {
      update(sessionId, (s) => ({
        items: s.items.map((i) => (i.kind === 'input' && i.id === requestId ? { ...i, answer } : i)),
      }));
    },
    onTurnEnd(event) {
      update(event.sessionId, (s) =>
        addTurnEnd(s, saidAlready(s.items, event) ? { ...event, detail: undefined } : event),
      );
    },
    onUsage(event) {
      update(event.sessionId, (s) => ({ usage: event.session, calls: applyUsage(s.calls, event) }));
    },
    onState(sessionId, state) {
      update(sessionId, () => ({ state }));
    },
    onError(sessionId, text) {
      update(sessionId, (s) => ({ items: [...s.items, { kind: 'error', id: `err-${s.items.length}`, text }] }));
    },
    startReplay(sessionId, messages, play = false) {
      set({ replay: { sessionId, messages, index: messages.length ? 0 : -1, playing: play && messages.length > 1 } });
    },
    seekReplay(index) {
      const replay = get().replay;
      if (!replay) return;
      set({ replay: { ...replay, index: Math.max(-1, Math.min(index, replay.messages.length - 1)), playing: false } });
    },
    stepReplay() {
      const replay = get().replay;
      if (!replay?.playing) return;
      const index = Math.min(replay.index + 1, replay.messages.length - 1);
      set({ replay: { ...replay, index, playing: index < replay.messages.length - 1 } });
    },
    playReplay(playing) {
      const replay = get().replay;
      if (!replay) return;
      // Playing from the end starts over.
      const index = playing && replay.index >= replay.messages.length - 1 ? 0 : replay.index;
      set({ replay: { ...replay, index, playing } });
    },
    stopReplay() {
      set({ replay: undefined });
    },
  };
});
