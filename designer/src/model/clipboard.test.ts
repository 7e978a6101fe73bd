import { describe, expect, it } from 'vitest';
import { createEditorStore } from '../store/editorStore.ts';
import { newGraph } from './newGraph.ts';
import { CLIPBOARD_FORMAT, parseClipboard, serializeClipboard } from './clipboard.ts';
import { validate } from '../store/useValidation.ts';

describe('clipboard JSON', () => {
  it('pastes nodes copied from one graph into another, models and router rules included', () => {
    const source = createEditorStore(newGraph('source'));
    const s = () => source.getState();
    s().updateGraph({
      models: [
        ...s().graph.models,
        { id: 'critic-model', provider: 'scripted', rules: [], fallback: 'ok', tokenSize: 4 },
      ],
    });
    const critic = s().addAgent('assistant', { x: 10, y: 10 });
    s().updateAgent(critic, {
      type: 'critic',
      config: { ...(s().graph.agents[0]!.config as object), model: 'critic-model' } as never,
    });
    const router = s().addAgent('router', { x: 200, y: 10 });
    const topic = s().addTopic({ x: 100, y: 100 });
    s().updateAgent(router, {
      config: { mode: 'rules', rules: [{ match: 'keyword', value: 'x', caseSensitive: false, topic }] } as never,
    });
    s().connect(critic, topic);
    s().setSelection({ nodes: [critic, router, topic], edges: [] });
    const text = serializeClipboard(s().copy()!);
    expect(JSON.parse(text)).toMatchObject({ format: CLIPBOARD_FORMAT, version: 1 });

    const target = createEditorStore(newGraph('target'));
    const t = () => target.getState();
    t().addAgent('assistant', { x: 0, y: 0 });
    const parsed = parseClipboard(text);
    if (!parsed.ok) throw new Error(parsed.reason);
    t().paste(parsed.payload, { x: 500, y: 500 });

    const g = t().graph;
    expect(g.agents.map((a) => a.type)).toEqual(['assistant', 'critic', 'router']);
    expect(g.models.map((m) => m.id)).toEqual(['scripted', 'critic-model']);
    const pastedTopic = g.topics.find((x) => x.type === 'topic')!;
    expect(pastedTopic.id).not.toBe(topic);
    const pastedRouter = g.agents.find((a) => a.kind === 'router')!;
    expect(pastedRouter.kind === 'router' && pastedRouter.config.rules[0]!.topic).toBe(pastedTopic.id);
    expect(g.publications).toEqual([expect.objectContaining({ topic: pastedTopic.id })]);
    expect(g.layout.nodes[pastedTopic.id]).toEqual({ x: 600, y: 600 });
    expect(validate(g).problems.filter((p) => p.code.startsWith('unknown_'))).toEqual([]);
    expect(target.temporal.getState().pastStates).toHaveLength(2);
  });

  it('refuses text that is not a Switchboard payload, naming the reason', () => {
    expect(parseClipboard('hello')).toEqual({ ok: false, reason: 'not JSON' });
    const wrong = parseClipboard(JSON.stringify({ format: CLIPBOARD_FORMAT, version: 2 }));
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.reason).toMatch(/^version/);
  });
});
