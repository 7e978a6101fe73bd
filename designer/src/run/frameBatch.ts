/**
 * Runs queued work once per animation frame: a burst of socket events becomes one store update
 * pass and one render, in arrival order. A hidden tab gets no frames, so a timer flushes too.
 */
export function frameBatcher(fallbackMs = 250): (work: () => void) => void {
  let queue: (() => void)[] = [];
  let frame: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    clearTimeout(timer);
    frame = timer = undefined;
    const due = queue;
    queue = [];
    for (const work of due) work();
  };
  return (work) => {
    queue.push(work);
    if (frame !== undefined) return;
    frame = requestAnimationFrame(flush);
    timer = setTimeout(flush, fallbackMs);
  };
}
