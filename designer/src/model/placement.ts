import type { Graph } from '../../../schemas/graph.ts';

type Point = { x: number; y: number };
type Size = { width: number; height: number };
type Box = { x: number; y: number; width: number; height: number };

/** Sizes assumed for nodes not measured yet (as the canvas projection assumes). */
const ESTIMATED: Record<'agent' | 'topic', Size> = {
  agent: { width: 190, height: 84 },
  topic: { width: 170, height: 66 },
};
/** Air kept around a new node, so it does not touch its neighbours or their edges. */
const MARGIN = 24;
const STEP = 40;
const RINGS = 40;

/**
 * Where a new node of `size` goes: the free spot nearest to `center` (the view's centre) that
 * overlaps no node and crosses no edge, searched ring by ring outwards. Returns its top-left.
 */
export function freeSpot(graph: Graph, measured: Record<string, Size>, center: Point, size: Size): Point {
  const boxes = nodeBoxes(graph, measured);
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const segments = [
    ...graph.subscriptions.map((s) => [s.topic, s.agent] as const),
    ...graph.publications.map((p) => [p.agent, p.topic] as const),
  ].flatMap(([from, to]) => {
    const a = byId.get(from);
    const b = byId.get(to);
    return a && b
      ? [
          [
            { x: a.x + a.width, y: a.y + a.height / 2 },
            { x: b.x, y: b.y + b.height / 2 },
          ] as const,
        ]
      : [];
  });
  const start = { x: Math.round(center.x - size.width / 2), y: Math.round(center.y - size.height / 2) };
  for (let ring = 0; ring <= RINGS; ring++) {
    for (const offset of ringOffsets(ring)) {
      const at = { x: start.x + offset.x * STEP, y: start.y + offset.y * STEP };
      const padded = {
        x: at.x - MARGIN,
        y: at.y - MARGIN,
        width: size.width + 2 * MARGIN,
        height: size.height + 2 * MARGIN,
      };
      if (boxes.some((b) => overlaps(b, padded))) continue;
      if (segments.some(([p, q]) => crosses(p, q, padded))) continue;
      return at;
    }
  }
  return start;
}

export const newNodeSize = (type: 'agent' | 'topic'): Size => ESTIMATED[type];

function nodeBoxes(graph: Graph, measured: Record<string, Size>): (Box & { id: string })[] {
  const box = (id: string, type: 'agent' | 'topic') => {
    const at = graph.layout.nodes[id];
    return at ? [{ id, ...at, ...(measured[id] ?? ESTIMATED[type]) }] : [];
  };
  return [...graph.agents.flatMap((a) => box(a.id, 'agent')), ...graph.topics.flatMap((tp) => box(tp.id, 'topic'))];
}

/** The grid offsets on the square ring `r` around the origin, nearest first. */
function ringOffsets(r: number): Point[] {
  if (r === 0) return [{ x: 0, y: 0 }];
  const out: Point[] = [];
  for (let x = -r; x <= r; x++)
    for (let y = -r; y <= r; y++) if (Math.max(Math.abs(x), Math.abs(y)) === r) out.push({ x, y });
  return out.sort((a, b) => Math.hypot(a.x, a.y) - Math.hypot(b.x, b.y));
}

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

const inside = (p: Point, r: Box) => p.x >= r.x && p.x <= r.x + r.width && p.y >= r.y && p.y <= r.y + r.height;

/** Whether the segment p→q passes through the box (an end inside it, or crossing a side). */
function crosses(p: Point, q: Point, r: Box): boolean {
  if (inside(p, r) || inside(q, r)) return true;
  const corners = [
    { x: r.x, y: r.y },
    { x: r.x + r.width, y: r.y },
    { x: r.x + r.width, y: r.y + r.height },
    { x: r.x, y: r.y + r.height },
  ];
  return corners.some((c, i) => intersect(p, q, c, corners[(i + 1) % 4]!));
}

function intersect(a: Point, b: Point, c: Point, d: Point): boolean {
  const cross = (o: Point, p: Point, q: Point) => (p.x - o.x) * (q.y - o.y) - (p.y - o.y) * (q.x - o.x);
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  return d1 * d2 < 0 && d3 * d4 < 0;
}
