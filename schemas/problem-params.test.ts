import { describe, expect, it } from 'vitest';
import { parseGraphText } from './guard.ts';
import { PROBLEM_CODES } from './problem-codes.ts';
import { validGraph } from './fixtures.ts';
import { validateGraph } from './validate.ts';

describe('problem codes and params', () => {
  it('gives the values a message is made of as params, ids as ids', () => {
    const g = validGraph();
    g.agents.push({ ...g.agents[0]!, id: 'lonely', type: 'lonely' });
    g.layout = { nodes: { ...g.layout?.nodes, ghost: { x: 0, y: 0 } } };
    const ps = validateGraph(g).problems;
    const by = (code: string) => ps.find((p) => p.code === code);
    expect(by('unreachable')).toMatchObject({ nodeId: 'lonely', params: { agent: 'lonely' } });
    expect(by('no_publication')).toMatchObject({ params: { agent: 'lonely' } });
    expect(by('layout_unknown_node')).toMatchObject({ params: { id: 'ghost' } });
  });

  it('uses only listed codes and variants, with params on every problem', () => {
    const docs: unknown[] = [
      validGraph(),
      { ...validGraph(), name: '', output: [], agents: [{ id: 'a', kind: 'assistant' }] },
      { ...validGraph(), version: 99 },
      { ...validGraph(), topics: [...validGraph().topics, { id: 'x', type: 'x', apiKey: 1 }], extra: 1 },
      null,
    ];
    const problems = [...docs.flatMap((d) => validateGraph(d).problems), ...parseGraphText('{"a": }').problems];
    expect(problems.length).toBeGreaterThan(5);
    for (const p of problems) {
      expect(Object.keys(PROBLEM_CODES), p.code).toContain(p.code);
      expect(p.params, p.code).toBeTypeOf('object');
      const variant = p.params.variant;
      if (variant !== undefined)
        expect(PROBLEM_CODES[p.code as keyof typeof PROBLEM_CODES], `${p.code}/${variant}`).toContain(variant);
    }
  });
});
