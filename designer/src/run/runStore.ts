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

export type ChatItem =
  | { kind: 'message'; id: string; message: MessageEvent; streamed?: boolean }
  | { kind: 'stream'; id: string; agent: string; text: string }
  | { kind: 'input'; id: string; request: InputRequestEvent; answer?: string }
  | { kind: 'turn_end'; id: string; event: TurnEndEvent }
  | { kind: 'error'; id: string; text: string };

export interface SessionView {
  id: string;
  state: SessionState;
  items: ChatItem[];
  /** Every message of the session, in order: the trace inspector's rows. */
  trace: MessageEvent[];
  usage?: Usage;
  /** Agent types working right now. */
  working: string[];
}

/** A hop shown on the canvas until `until` (ms since epoch). */
export type LiveHop = Hop & { key: number; sessionId: string; until: number };

export interface Replay {
  sessionId: string;
  messages: MessageEvent[];
  /** Messages up to and including this index have happened. */
  index: number;
}

interface RunState {
  sessions: Record<string, SessionView>;
  order: string[];
  hops: LiveHop[];
  replay: Replay | undefined;
  open(info: Pick<SessionInfo, 'id' | 'state'>, history?: MessageEvent[]): void;
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
  startReplay(sessionId: string, messages: MessageEvent[]): void;
  seekReplay(index: number): void;
  stopReplay(): void;
}

/** How long an edge keeps pulsing after a message travelled it. */
export const PULSE_MS = 2500;
let hopSeq = 0;

export const useRun = create<RunState>((set, get) => {
  const update = (id: string, change: (s: SessionView) => Partial<SessionView>) => {
    const session = get().sessions[id];
    if (!session) return;
    set({ sessions: { ...get().sessions, [id]: { ...session, ...change(session) } } });
  };

  return {
    sessions: {},
    order: [],
    hops: [],
    replay: undefined,

    open(info, history = []) {
      if (get().sessions[info.id]) return;
      const view: SessionView = {
        id: info.id,
        state: info.state,
        items: history.map((m) => ({ kind: 'message', id: m.id, message: m })),
        trace: history,
        working: [],
      };
      set({ sessions: { ...get().sessions, [info.id]: view }, order: [...get().order, info.id] });
    },
    dismiss(id) {
      const { [id]: _gone, ...rest } = get().sessions;
      set({ sessions: rest, order: get().order.filter((x) => x !== id) });
    },
    reset() {
      set({ sessions: {}, order: [], hops: [], replay: undefined });
    },
    onMessage(message) {
      update(message.sessionId, (s) => {
        if (s.trace.some((m) => m.id === message.id)) return {};
        const streamed = s.items.findIndex((i) => i.kind === 'stream' && i.id === message.id);
        const item: ChatItem = { kind: 'message', id: message.id, message, streamed: streamed >= 0 };
        const items = streamed >= 0 ? s.items.map((i, n) => (n === streamed ? item : i)) : [...s.items, item];
        // Agent events are sent lossy; the message itself says who now has work: its recipients.
        const working = [...new Set([...s.working.filter((a) => a !== message.sender), ...message.recipients])];
        return { items, trace: [...s.trace, message], working };
      });
      if (!get().sessions[message.sessionId]) return;
      const until = Date.now() + PULSE_MS;
      const hop: LiveHop = { key: ++hopSeq, sessionId: message.sessionId, sender: message.sender, topic: message.topic.type, recipients: message.recipients, until };
      set({ hops: [...get().hops.filter((h) => h.until > Date.now()), hop] });
      setTimeout(() => set({ hops: get().hops.filter((h) => h.until > Date.now()) }), PULSE_MS + 50);
    },
    onToken(event) {
      update(event.sessionId, (s) => {
        const at = s.items.findIndex((i) => i.kind === 'stream' && i.id === event.messageId);
        if (at < 0) return { items: [...s.items, { kind: 'stream', id: event.messageId, agent: event.agent, text: event.delta }] };
        return { items: s.items.map((i, n) => (n === at && i.kind === 'stream' ? { ...i, text: i.text + event.delta } : i)) };
      });
    },
    onAgent(event) {
      update(event.sessionId, (s) => {
        const others = s.working.filter((a) => a !== event.agent);
        const errors: ChatItem[] = event.phase === 'error' ? [{ kind: 'error', id: `err-${event.agent}-${event.time}`, text: `${event.agent}: ${event.error ?? 'failed'}` }] : [];
        return { working: event.phase === 'start' ? [...others, event.agent] : others, items: [...s.items, ...errors] };
      });
    },
    onInputRequest(request) {
      update(request.sessionId, (s) => ({ items: [...s.items, { kind: 'input', id: request.requestId, request }] }));
    },
    answered(sessionId, requestId, answer) {
      update(sessionId, (s) => ({ items: s.items.map((i) => (i.kind === 'input' && i.id === requestId ? { ...i, answer } : i)) }));
    },
    onTurnEnd(event) {
      update(event.sessionId, (s) => ({ working: [], items: [...s.items, { kind: 'turn_end', id: `end-${event.turnId}`, event }] }));
    },
    onUsage(event) {
      update(event.sessionId, () => ({ usage: event.session }));
    },
    onState(sessionId, state) {
      update(sessionId, () => ({ state }));
    },
    onError(sessionId, text) {
      update(sessionId, (s) => ({ items: [...s.items, { kind: 'error', id: `err-${s.items.length}`, text }] }));
    },
    startReplay(sessionId, messages) {
      set({ replay: { sessionId, messages, index: messages.length ? 0 : -1 } });
    },
    seekReplay(index) {
      const replay = get().replay;
      if (replay) set({ replay: { ...replay, index: Math.max(-1, Math.min(index, replay.messages.length - 1)) } });
    },
    stopReplay() {
      set({ replay: undefined });
    },
  };
});
