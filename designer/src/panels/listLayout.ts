import { measureElement, type Virtualizer } from '@tanstack/react-virtual';

/**
 * A virtual row's size as the ResizeObserver reports it after the browser's layout. The
 * default also reads `offsetHeight` when a row mounts, which forces a synchronous layout of the
 * whole page inside React's commit, once per commit; a new row keeps its estimate until the
 * observer's first report, in the same frame.
 */
export function measureAfterLayout<S extends Element, E extends Element>(
  element: E,
  entry: ResizeObserverEntry | undefined,
  list: Virtualizer<S, E>,
): number {
  if (entry) return measureElement(element, entry, list);
  const index = list.indexFromElement(element);
  return list.measurementsCache[index]?.size ?? list.options.estimateSize(index);
}

/**
 * Keeps a scroller at its end while it was at its end, as the list in it grows or the scroller
 * resizes. The scroll happens in a ResizeObserver callback, which runs after the browser's
 * layout: reading sizes there costs nothing, where a layout effect or a scroll handler would
 * force a layout of the whole page on every new line. "At its end" is judged against the height
 * before the growth, so content that grew since the last scroll does not read as the person
 * scrolling away.
 */
export function followEnd(
  scroller: HTMLElement,
  list: Element,
  slackPx: number,
): { following(): boolean; stop(): void } {
  let height = scroller.scrollHeight;
  const following = () => height - scroller.scrollTop - scroller.clientHeight < slackPx;
  const observer = new ResizeObserver(() => {
    if (following()) scroller.scrollTop = scroller.scrollHeight;
    height = scroller.scrollHeight;
  });
  observer.observe(list);
  observer.observe(scroller);
  return { following, stop: () => observer.disconnect() };
}
