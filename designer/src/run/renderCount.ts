/**
 * A test hook: counts renders by component and key (node id, edge id, line id) into
 * `window.__renders` when a test has set it to an object, and does nothing otherwise. Browser
 * tests use it to show that a live event renders what it touches, by count, not by timing.
 */
export function countRender(component: string, key: string): void {
  const counts = (globalThis as { __renders?: Record<string, Record<string, number>> }).__renders;
  if (!counts) return;
  const of = (counts[component] ??= {});
  of[key] = (of[key] ?? 0) + 1;
}
