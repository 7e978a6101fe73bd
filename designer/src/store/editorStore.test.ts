import { describe, expect, it } from 'vitest';
import { createEditorStore } from './editorStore.ts';
import { newGraph } from '../model/newGraph.ts';

function setup() {
  const store = createEditorStore(newGraph('test'));
  const undo = () => store.temporal.getState().undo();
  const redo = () => store.temporal.getState().redo();
  const steps = () => store.temporal.getState().pastStates.length;
  return { store, s: () => store.getState(), undo, redo, steps };
}

describe('editor store', () => {
  it('adds agents and topics with unique types and positions', () => {
    const { s } = setup();
    const a = s().addAgent('assistant', { x: 10, y: 20 });
    const b = s().addAgent('assistant', { x: 30, y: 40 });
    const t = s().addTopic({ x: 0, y: 0 });
    const types = s().graph.agents.map((x) => x.type);
    expect(types).toEqual(['assistant', 'assistant_2']);
    expect(s().graph.layout.nodes[a]).toEqual({ x: 10, y: 20 });
    expect(s().graph.layout.nodes[b]).toEqual({ x: 30, y: 40 });
    expect(s().graph.topics.find((x) => x.id === t)?.type).toBe('topic');
    expect(s().graph.agents[0]!.config).toMatchObject({ model: 'scripted', systemMessage: '' });
  });

  it('makes publications and subscriptions from typed connections and refuses the rest', () => {
    const { s } = setup();
    const a = s().addAgent('assistant', { x: 0, y: 0 });
    const b = s().addAgent('user', { x: 0, y: 0 });
    const sub = s().connect('input', a);
    const pub = s().connect(a, 'output');
    expect(sub.ok && pub.ok).toBe(true);
    expect(s().graph.subscriptions).toEqual([expect.objectContaining({ topic: 'input', agent: a, kind: 'type' })]);
    expect(s().graph.publications).toEqual([expect.objectContaining({ agent: a, topic: 'output' })]);
    expect(s().connect(a, b)).toEqual({ ok: false, reason: 'agent_to_agent' });
    expect(s().connect('input', 'output')).toEqual({ ok: false, reason: 'topic_to_topic' });
    expect(s().connect('input', a)).toEqual({ ok: false, reason: 'duplicate' });
    expect(s().graph.subscriptions).toHaveLength(1);
  });

  it('deletes the selection with the edges that touch it and clears entry/output marks', () => {
    const { s } = setup();
    const a = s().addAgent('assistant', { x: 0, y: 0 });
    s().connect('input', a);
    s().connect(a, 'output');
    s().setSelection({ nodes: [a, 'output'], edges: [] });
    s().deleteSelection();
    expect(s().graph.agents).toHaveLength(0);
    expect(s().graph.subscriptions).toHaveLength(0);
    expect(s().graph.publications).toHaveLength(0);
    expect(s().graph.output).toEqual([]);
    expect(s().graph.layout.nodes[a]).toBeUndefined();
  });

  it('undoes and redoes every edit; selection changes are not steps', () => {
    const { s, undo, redo, steps } = setup();
    const a = s().addAgent('assistant', { x: 0, y: 0 });
    s().connect('input', a);
    expect(steps()).toBe(2);
    s().setSelection({ nodes: [a], edges: [] });
    s().setSelection({ nodes: [], edges: [] });
    s().selectAll();
    expect(steps()).toBe(2);
    undo();
    expect(s().graph.subscriptions).toHaveLength(0);
    undo();
    expect(s().graph.agents).toHaveLength(0);
    redo();
    redo();
    expect(s().graph.agents).toHaveLength(1);
    expect(s().graph.subscriptions).toHaveLength(1);
  });

  it('records a whole drag as one step', () => {
    const { s, undo, steps } = setup();
    const a = s().addAgent('assistant', { x: 0, y: 0 });
    const before = steps();
    s().beginDrag();
    for (let i = 1; i <= 20; i++) s().dragTo({ [a]: { x: i * 5, y: i } });
    s().endDrag();
    expect(steps()).toBe(before + 1);
    expect(s().graph.layout.nodes[a]).toEqual({ x: 100, y: 20 });
    undo();
    expect(s().graph.layout.nodes[a]).toEqual({ x: 0, y: 0 });
  });

  it('copies and pastes with fresh ids, clash-free types and rewired edges', () => {
    const { s, undo } = setup();
    const a = s().addAgent('assistant', { x: 0, y: 0 });
    s().connect('input', a);
    s().setSelection({ nodes: ['input', a], edges: [] });
    const payload = s().copy()!;
    s().paste(payload, { x: 40, y: 40 });
    const g = s().graph;
    expect(g.agents.map((x) => x.type)).toEqual(['assistant', 'assistant_2']);
    expect(g.topics.map((x) => x.type)).toEqual(['user_input', 'reply', 'user_input_2']);
    expect(g.subscriptions).toHaveLength(2);
    const pasted = g.subscriptions[1]!;
    expect(s().selection.nodes).toContain(pasted.agent);
    expect(s().selection.nodes).toContain(pasted.topic);
    expect(g.layout.nodes[pasted.agent]).toEqual({ x: 40, y: 40 });
    undo();
    expect(s().graph.agents).toHaveLength(1);
  });
});
