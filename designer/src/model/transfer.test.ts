import { describe, expect, it } from 'vitest';
import { v0Sketch } from '../../../schemas/fixtures.ts';
import { Graph } from '../../../schemas/graph.ts';
import { createEditorStore } from '../store/editorStore.ts';
import { newGraph } from './newGraph.ts';
import { exportDocument, importDocument } from './transfer.ts';

function builtGraph() {
  const store = createEditorStore(newGraph('Round trip'));
  const s = () => store.getState();
  const a = s().addAgent('assistant', { x: 100, y: 40 });
  const r = s().addAgent('router', { x: 300, y: 40 });
  const t = s().addTopic({ x: 200, y: 200 });
  s().connect('input', a);
  s().connect(a, t);
  s().connect(t, r);
  s().connect(r, 'output');
  s().updateAgent(r, {
    config: {
      mode: 'rules',
      rules: [{ match: 'keyword', value: 'refund', caseSensitive: false, topic: 'output' }],
      defaultTopic: 'output',
    } as never,
  });
  return s().graph;
}

describe('export and import', () => {
  it('exports a document that the graph schema accepts, with layout and manifest', () => {
    const doc = exportDocument(builtGraph());
    expect(Graph.safeParse(doc).success).toBe(true);
    expect(Object.keys(doc.layout.nodes)).toHaveLength(5);
    expect(doc.manifest).toMatchObject({ agentKinds: ['assistant', 'router'], credentials: [] });
  });

  it('lists what the graph needs in the manifest: models, credential names (never values) and tools', () => {
    const store = createEditorStore(builtGraph());
    const s = () => store.getState();
    s().updateGraph({
      models: [
        ...s().graph.models,
        {
          id: 'gpt',
          provider: 'openai',
          model: 'gpt-4o-mini',
          credential: 'TEAM_OPENAI_KEY',
          maxRetries: 3,
          timeoutMs: 60_000,
        } as never,
      ],
    });
    const assistant = s().graph.agents.find((a) => a.kind === 'assistant')!;
    s().updateAgent(assistant.id, {
      config: { ...(assistant.config as object), model: 'gpt', tools: ['calculator'] } as never,
    });
    const doc = exportDocument(s().graph);
    expect(doc.manifest).toMatchObject({
      agentKinds: ['assistant', 'router'],
      models: expect.arrayContaining([
        { id: 'gpt', provider: 'openai', model: 'gpt-4o-mini', credential: 'TEAM_OPENAI_KEY' },
      ]),
      credentials: ['TEAM_OPENAI_KEY'],
      tools: ['calculator'],
    });
    expect(Graph.safeParse(doc).success).toBe(true);
    expect(importDocument(JSON.stringify(doc)).graph).toEqual(s().graph);
  });

  it('round-trips: export → import gives an equal graph', () => {
    const graph = builtGraph();
    const result = importDocument(JSON.stringify(exportDocument(graph), null, 2));
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([]);
    expect(result.graph).toEqual(graph);
  });

  it('migrates an older version and says so', () => {
    const v0 = v0Sketch('Old sketch');
    const result = importDocument(JSON.stringify(v0));
    expect(result.graph).toMatchObject({ version: 1, name: 'Old sketch', entry: 'in', output: ['out'] });
    expect(result.graph?.layout.nodes.bot).toEqual({ x: 200, y: 0 });
    expect(result.problems).toContainEqual(expect.objectContaining({ code: 'migrated', severity: 'warning' }));
  });

  it('shows what is wrong before loading: bad JSON, a future version, semantic errors', () => {
    const bad = importDocument('{"format": "switchboard/graph",');
    expect(bad.graph).toBeUndefined();
    expect(bad.problems[0]!.message).toMatch(/line 1/);

    const future = importDocument(JSON.stringify({ ...exportDocument(builtGraph()), version: 99 }));
    expect(future.graph).toBeUndefined();
    expect(future.problems[0]!.code).toBe('future_version');

    const graph = builtGraph();
    const dangling = importDocument(JSON.stringify({ ...graph, entry: 'missing' }));
    expect(dangling.graph).toBeDefined();
    expect(dangling.ok).toBe(false);
    expect(dangling.problems).toContainEqual(expect.objectContaining({ path: '/entry', severity: 'error' }));
  });

  it('accepts the runner export bundle {graph, manifest}', () => {
    const graph = builtGraph();
    const result = importDocument(JSON.stringify({ graph, manifest: { format: 'switchboard/export' } }));
    expect(result.graph).toEqual(graph);
  });
});
