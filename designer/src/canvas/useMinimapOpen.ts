import { useState } from 'react';

const KEY = 'switchboard.minimap';

/** Whether the minimap shows now, as remembered in this browser (open by default). */
export const minimapShown = () => globalThis.localStorage?.getItem(KEY) !== 'closed';

/** Whether the minimap shows, and its switch; remembered in this browser. */
export function useMinimapOpen(): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(minimapShown);
  return [
    open,
    (next) => {
      globalThis.localStorage?.setItem(KEY, next ? 'open' : 'closed');
      setOpen(next);
    },
  ];
}
