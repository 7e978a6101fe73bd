import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportGraph, parseGraphText, validateGraph } from '../schemas/index.ts';

const dir = new URL('./', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('examples', () => {
  it('include the graphs other suites load', () => {
    expect(files).toEqual(
      expect.arrayContaining(['approval.json', 'hello.json', 'research.json', 'support.json', 'writer-critic.json']),
    );
  });

  describe.each(files)('%s', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const parsed = parseGraphText(text);

    it('passes the guard and validates with no errors and no warnings', () => {
      expect(parsed.problems).toEqual([]);
      const r = validateGraph(parsed.ok ? parsed.value : undefined);
      expect(r.problems).toEqual([]);
      expect(r.ok).toBe(true);
    });

    it('round-trips through JSON unchanged', () => {
      const graph = validateGraph(JSON.parse(text)).graph!;
      const again = validateGraph(JSON.parse(JSON.stringify(graph)));
      expect(again.problems).toEqual([]);
      expect(again.graph).toEqual(graph);
    });

    it('exports with a manifest that validates as a graph', () => {
      const exported = exportGraph(validateGraph(JSON.parse(text)).graph!);
      expect(exported.manifest?.credentials).toEqual([]);
      expect(validateGraph(JSON.parse(JSON.stringify(exported))).problems).toEqual([]);
    });

    it('runs without an API key: every model is scripted', () => {
      const graph = validateGraph(JSON.parse(text)).graph!;
      expect(graph.models.length).toBeGreaterThan(0);
      expect(graph.models.every((m) => m.provider === 'scripted')).toBe(true);
    });

    it('places every node, on a grid, without overlaps', () => {
      const graph = validateGraph(JSON.parse(text)).graph!;
      const nodes = [...graph.agents, ...graph.topics].map((n) => n.id);
      const positions = graph.layout.nodes;
      expect(Object.keys(positions).sort()).toEqual([...nodes].sort());
      const placed = Object.entries(positions);
      for (const [, p] of placed) expect([p.x % 20, p.y % 20]).toEqual([0, 0]);
      for (let i = 0; i < placed.length; i++) {
        for (let j = i + 1; j < placed.length; j++) {
          const [[idA, a], [idB, b]] = [placed[i]!, placed[j]!];
          // Nodes are about 180×80 on the canvas.
          expect(Math.abs(a.x - b.x) >= 200 || Math.abs(a.y - b.y) >= 100, `${idA} overlaps ${idB}`).toBe(true);
        }
      }
    });
  });
});
