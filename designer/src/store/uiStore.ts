import { create } from 'zustand';

export type Theme = 'light' | 'dark';
export type Toast = { id: number; kind: 'info' | 'error' | 'hint'; text: string; testId?: string };

interface UiState {
  theme: Theme;
  toasts: Toast[];
  setTheme(theme: Theme): void;
  toast(kind: Toast['kind'], text: string, testId?: string): void;
  dismiss(id: number): void;
}

const THEME_KEY = 'switchboard.theme';
let toastSeq = 0;

function storedTheme(): Theme {
  const saved = globalThis.localStorage?.getItem(THEME_KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export const useUi = create<UiState>((set, get) => ({
  theme: storedTheme(),
  toasts: [],
  setTheme(theme) {
    globalThis.localStorage?.setItem(THEME_KEY, theme);
    set({ theme });
  },
  toast(kind, text, testId) {
    const id = ++toastSeq;
    set({ toasts: [...get().toasts.slice(-3), { id, kind, text, testId }] });
    setTimeout(() => get().dismiss(id), kind === 'error' ? 8000 : 4000);
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));
