import { describe, expect, it } from 'vitest';
import { createEditorStore } from '../store/editorStore.ts';
import { validate } from '../store/useValidation.ts';
import { newGraph } from './newGraph.ts';

describe('validation marks', () => {
  it('marks the node a problem concerns and clears the mark once fixed', () => {
    const store = createEditorStore(newGraph('marks'));
    const s = () => store.getState();
    const a = s().addAgent('assistant', { x: 0, y: 0 });
    s().connect('input', a);
    s().connect(a, 'output');
    expect(validate(s().graph).runnable).toBe(true);

    s().updateAgent(a, { config: { ...(s().graph.agents[0]!.config as object), model: 'nope' } as never });
    const broken = validate(s().graph);
    expect(broken.runnable).toBe(false);
    expect(broken.problems).toContainEqual(expect.objectContaining({ code: 'unknown_model', nodeId: a }));
    expect(broken.marks.nodes[a]).toEqual({
      severity: 'error',
      problems: [expect.objectContaining({ message: expect.stringContaining('nope') })],
    });

    store.temporal.getState().undo();
    expect(validate(s().graph).marks.nodes[a]).toBeUndefined();
  });

  it('marks edges by their id and graph-level problems nowhere on the canvas', () => {
    const store = createEditorStore(newGraph('edges'));
    const s = () => store.getState();
    const a = s().addAgent('assistant', { x: 0, y: 0 });
    const sub = s().connect('input', a);
    if (!sub.ok) throw new Error('connect failed');
    // An edge to a node that is gone: possible in a hand-edited or imported file.
    const graph = { ...s().graph, subscriptions: [{ ...s().graph.subscriptions[0]!, agent: 'ghost' }] };
    const result = validate(graph);
    expect(result.marks.edges[sub.id]?.severity).toBe('error');
    s().setSelection({ nodes: ['output'], edges: [] });
    s().deleteSelection();
    const noOutput = validate(s().graph);
    expect(noOutput.problems.some((p) => p.path.startsWith('/output'))).toBe(true);
    expect(Object.keys(noOutput.marks.edges)).toEqual([]);
  });
});
