/**
 * Work coming into this process: a request, a socket event, a turn. The event-loop lag monitor
 * (event-loop-lag.ts) samples while work comes and stops a few seconds after, so an idle process
 * runs no timer for it; this is how a stopped monitor hears of the next work.
 */
let seen = 0;
const sleeping = new Set<() => void>();

/** Called where work comes in: an increment, and the stopped monitors start again. */
export function loopWorks(): void {
  seen++;
  if (sleeping.size === 0) return;
  const wake = [...sleeping];
  sleeping.clear();
  for (const start of wake) start();
}

/** How much work has come in so far: two readings differ when some came in between. */
export const workSeen = (): number => seen;

/** Calls `start` once, at the next work; returns what cancels that. */
export function atNextWork(start: () => void): () => void {
  sleeping.add(start);
  return () => void sleeping.delete(start);
}
