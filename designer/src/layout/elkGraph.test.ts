import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import type { Agent } from '../../../schemas/kinds/index.ts';
import { newGraph } from '../model/newGraph.ts';
import { positionsOf, toElk } from './elkGraph.ts';

/** input → a1 → t1 → a2 → t2 … → output: the chain a long pipeline is. */
function chain(agents: number) {
  const g = newGraph('chain');
  let from = 'input';
  for (let i = 1; i <= agents; i++) {
    const to = i === agents ? 'output' : `t${i}`;
    if (to !== 'output') g.topics.push({ id: to, type: to });
    g.agents.push({
      id: `a${i}`,
      type: `a${i}`,
      kind: 'assistant',
      config: { model: 'scripted', systemMessage: '', tools: [], contextWindow: 20, maxToolRounds: 5, stream: true },
    } as Agent);
    g.subscriptions.push({ id: `s${i}`, topic: from, agent: `a${i}`, kind: 'type' });
    g.publications.push({ id: `p${i}`, agent: `a${i}`, topic: to });
    from = to;
  }
  return g;
}

describe('auto-layout', () => {
  it('wraps a long chain into rows that fit a screen', async () => {
    const positions = positionsOf(await new ELK().layout(toElk(chain(15), {})));
    const xs = Object.values(positions).map((p) => p.x);
    const ys = Object.values(positions).map((p) => p.y);
    const rows = new Set(ys).size;
    expect(rows).toBeGreaterThanOrEqual(3);
    const width = Math.max(...xs) - Math.min(...xs);
    const height = Math.max(...ys) - Math.min(...ys);
    // One row would be ~30 nodes × 270 px wide; wrapped, it is about as wide as a screen is to its height.
    expect(width / height).toBeLessThan(4);
  });
});
