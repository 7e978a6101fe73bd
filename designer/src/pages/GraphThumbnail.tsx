import type { Thumbnail } from '../api/graphs.ts';

/** Node boxes as the canvas sizes them (topic, agent), in layout units. */
const BOX = [
  { width: 170, height: 66 },
  { width: 190, height: 84 },
] as const;

/** A small drawing of a graph's layout: boxes where the nodes are, lines between them. */
export function GraphThumbnail({ thumbnail }: { thumbnail?: Thumbnail }) {
  const nodes = thumbnail?.nodes ?? [];
  if (nodes.length === 0) return <div className="thumb empty" aria-hidden />;
  const minX = Math.min(...nodes.map(([x]) => x));
  const minY = Math.min(...nodes.map(([, y]) => y));
  const maxX = Math.max(...nodes.map(([x, , k]) => x + BOX[k].width));
  const maxY = Math.max(...nodes.map(([, y, k]) => y + BOX[k].height));
  const pad = 40;
  const viewBox = `${minX - pad} ${minY - pad} ${maxX - minX + 2 * pad} ${maxY - minY + 2 * pad}`;
  const mid = (i: number, side: 0 | 1) => {
    const [x, y, k] = nodes[i]!;
    return [x + side * BOX[k].width, y + BOX[k].height / 2] as const;
  };
  return (
    <svg
      className="thumb"
      viewBox={viewBox}
      preserveAspectRatio="xMidYMid meet"
      aria-hidden
      data-testid="graph-thumbnail"
    >
      {(thumbnail?.edges ?? []).map(([a, b], i) => {
        const [x1, y1] = mid(a, 1);
        const [x2, y2] = mid(b, 0);
        return <line key={i} x1={x1} y1={y1} x2={x2} y2={y2} className="thumb-edge" />;
      })}
      {nodes.map(([x, y, k], i) => (
        <rect
          key={i}
          x={x}
          y={y}
          width={BOX[k].width}
          height={BOX[k].height}
          rx={k ? 12 : 33}
          className={k ? 'thumb-agent' : 'thumb-topic'}
        />
      ))}
    </svg>
  );
}
