import { useState } from 'react';

const KEY = 'switchboard.minimap';

/** Whether the minimap shows; remembered in this browser, open by default. */
export function useMinimapOpen(): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(() => globalThis.localStorage?.getItem(KEY) !== 'closed');
  return [
    open,
    (next) => {
      globalThis.localStorage?.setItem(KEY, next ? 'open' : 'closed');
      setOpen(next);
    },
  ];
}
