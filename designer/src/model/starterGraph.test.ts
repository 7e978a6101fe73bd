import { describe, expect, it } from 'vitest';
import { validateGraph } from '../../../schemas/validate.ts';
import { starterGraph } from './starterGraph.ts';

describe('the starter graph', () => {
  it('is runnable as created: entry → one labelled assistant → output, on the scripted stand-in', () => {
    const graph = starterGraph('Chat', { agent: 'Assistant', input: 'Message', output: 'Reply' });
    expect(validateGraph(graph).problems.filter((p) => p.severity === 'error')).toEqual([]);
    const [agent] = graph.agents;
    expect(agent).toMatchObject({ kind: 'assistant', label: 'Assistant', config: { model: graph.models[0]!.id } });
    expect(graph.subscriptions).toEqual([expect.objectContaining({ topic: 'input', agent: agent!.id })]);
    expect(graph.publications).toEqual([expect.objectContaining({ agent: agent!.id, topic: 'output' })]);
    expect(graph.models[0]).toMatchObject({ provider: 'scripted' });
    expect(graph.topics.map((tp) => tp.label)).toEqual(['Message', 'Reply']);
  });
});
