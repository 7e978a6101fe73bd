import { describe, expect, it } from 'vitest';
import { newGraph } from './newGraph.ts';
import { freeSpot, newNodeSize } from './placement.ts';

const size = newNodeSize('agent');

describe('placing a new node', () => {
  it('takes the view centre when it is free', () => {
    const g = newGraph('free');
    expect(freeSpot(g, {}, { x: 400, y: 500 }, size)).toEqual({ x: 400 - 95, y: 500 - 42 });
  });

  it('moves off a node and off an edge that run through the centre, staying near it', () => {
    const g = newGraph('busy');
    // input (0,120) and output (720,120) joined through an agent at the centre of the line.
    g.agents.push({ id: 'a', type: 'a', kind: 'assistant', config: {} } as never);
    g.layout.nodes.a = { x: 300, y: 100 };
    g.subscriptions.push({ id: 's', topic: 'input', agent: 'a', kind: 'type' });
    g.publications.push({ id: 'p', agent: 'a', topic: 'output' });
    const center = { x: 395, y: 142 };
    const at = freeSpot(g, {}, center, size);
    const box = { x: at.x, y: at.y, width: size.width, height: size.height };
    const agent = { x: 300, y: 100, width: 190, height: 84 };
    const apart =
      box.x + box.width <= agent.x ||
      agent.x + agent.width <= box.x ||
      box.y + box.height <= agent.y ||
      agent.y + agent.height <= box.y;
    expect(apart).toBe(true);
    // The edges run along y = 153 (topic middle) to 142 (agent middle): the new node is clear of that band.
    expect(box.y > 160 || box.y + box.height < 130).toBe(true);
    expect(Math.hypot(at.x + 95 - center.x, at.y + 42 - center.y)).toBeLessThan(300);
  });
});
