import { useCallback } from 'react';
import { useReactFlow, useStoreApi } from '@xyflow/react';
import { minimapShown } from './useMinimapOpen.ts';

export type Box = { width: number; height: number };

/** The minimap (React Flow's 200 × 150) with its margins: 15 px, and 48 px above its toggle. */
const MINIMAP: Box = { width: 200 + 15 + 10, height: 150 + 48 + 15 + 10 };
const EDGE = 24;
/** The zoom controls in the bottom-left corner. */
const CONTROLS = 64;
export const FIT_MAX_ZOOM = 1.2;

type Sides = { top: number; right: number; bottom: number; left: number };
const px = (s: Sides) =>
  ({ top: `${s.top}px`, right: `${s.right}px`, bottom: `${s.bottom}px`, left: `${s.left}px` }) as const;
const zoomFor = (graph: Box, view: Box, s: Sides) =>
  Math.min(
    (view.width - s.left - s.right) / Math.max(1, graph.width),
    (view.height - s.top - s.bottom) / Math.max(1, graph.height),
  );

/**
 * Padding (pixels per side) that fits a graph clear of the minimap in the bottom-right corner:
 * the corner is kept free below the graph or beside it, whichever leaves the larger zoom (a wide
 * chain has room to spare below it, a tall tree beside it).
 */
export function fitPadding(graph: Box, view: Box, minimap: boolean) {
  const base: Sides = { top: EDGE, right: EDGE, bottom: EDGE, left: CONTROLS };
  if (!minimap || view.width <= 0 || view.height <= 0) return px(base);
  const below = { ...base, bottom: MINIMAP.height };
  const beside = { ...base, right: MINIMAP.width };
  return px(zoomFor(graph, view, below) >= zoomFor(graph, view, beside) ? below : beside);
}

/** The padding when nothing is known yet about the view: React Flow's own first fit. */
export const FIT_FIRST = {
  maxZoom: FIT_MAX_ZOOM,
  padding: fitPadding({ width: 1, height: 1 }, { width: 0, height: 0 }, false),
};

/**
 * Fits the whole graph clear of the minimap and the zoom controls (on open, the F key, the
 * toolbar, after a layout); `animate` false jumps there. React Flow waits for measured nodes.
 */
export function useFitView(): (animate?: boolean) => void {
  const flow = useReactFlow();
  const store = useStoreApi();
  return useCallback(
    (animate = true) => {
      const { width, height } = store.getState();
      const bounds = flow.getNodesBounds(flow.getNodes());
      void flow.fitView({
        duration: animate ? 300 : 0,
        maxZoom: FIT_MAX_ZOOM,
        padding: fitPadding(bounds, { width, height }, minimapShown()),
      });
    },
    [flow, store],
  );
}
