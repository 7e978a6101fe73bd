import { create } from 'zustand';

export type RunTab = 'run' | 'trace' | 'sessions' | 'tests';

/** The run area under the canvas: which tab shows, its height (remembered), open or maximised. */
interface RunAreaState {
  tab: RunTab;
  open: boolean;
  maximised: boolean;
  /** Pixels; kept in this browser. */
  height: number;
  show(tab: RunTab): void;
  toggleOpen(): void;
  toggleMaximised(): void;
  resize(height: number): void;
  /** Stores the height once a drag ends (not on every pointer move). */
  remember(): void;
}

const HEIGHT_KEY = 'switchboard.runAreaHeight';
export const RUN_AREA_MIN = 120;
export const RUN_AREA_DEFAULT = 340;

function storedHeight(): number {
  const saved = Number(globalThis.localStorage?.getItem(HEIGHT_KEY));
  return Number.isFinite(saved) && saved >= RUN_AREA_MIN ? saved : RUN_AREA_DEFAULT;
}

export const useRunArea = create<RunAreaState>((set, get) => ({
  tab: 'run',
  open: true,
  maximised: false,
  height: storedHeight(),
  show: (tab) => set({ tab, open: true }),
  toggleOpen: () => set({ open: !get().open, maximised: false }),
  toggleMaximised: () => set({ maximised: !get().maximised, open: true }),
  resize: (height) => set({ height: Math.max(RUN_AREA_MIN, Math.round(height)), maximised: false, open: true }),
  remember: () => globalThis.localStorage?.setItem(HEIGHT_KEY, String(get().height)),
}));
