import { create } from 'zustand';

/**
 * What someone has typed and not sent yet, per session (and per input request), outside the chat
 * components: a chat unmounts when its tab is hidden or the graph changes, and a draft must
 * outlive that. Its own store, so a keystroke redraws the one input, not the run area.
 */
interface Drafts {
  text: Record<string, string>;
  set(key: string, text: string): void;
}

export const useDrafts = create<Drafts>((set, get) => ({
  text: {},
  set(key, text) {
    const { [key]: _old, ...rest } = get().text;
    set({ text: text ? { ...rest, [key]: text } : rest });
  },
}));

/** The draft under `key` and its setter, for an input. */
export function useDraft(key: string): [string, (text: string) => void] {
  const text = useDrafts((s) => s.text[key] ?? '');
  return [text, (next) => useDrafts.getState().set(key, next)];
}

/** The key of an input request's answer draft. */
export const answerKey = (sessionId: string, requestId: string) => `${sessionId}\u0000${requestId}`;
