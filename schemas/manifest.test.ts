import { describe, expect, it } from 'vitest';
import { Graph, type GraphInput } from './graph.ts';
import { exportGraph, graphManifest } from './manifest.ts';
import { validGraph } from './fixtures.ts';
import { validateGraph } from './validate.ts';

function graphWithEverything(): Graph {
  const g = validGraph();
  g.models!.push(
    { id: 'gpt', provider: 'openai', model: 'gpt-4o-mini', credential: 'acme-openai' },
    { id: 'local', provider: 'openai', model: 'llama3', baseUrl: 'http://127.0.0.1:11434/v1' },
  );
  (g.agents[1] as Extract<GraphInput['agents'][number], { kind: 'assistant' }>).config = {
    model: 'gpt',
    tools: ['http_get', 'calculator'],
  };
  g.agents.push({ id: 'fetch', type: 'fetch', kind: 'tool', config: { tool: 'json_path', argument: '$.a' } });
  g.subscriptions.push({ id: 's-fetch', topic: 'tech-q', agent: 'fetch' });
  g.publications.push({ id: 'p-fetch', agent: 'fetch', topic: 'out' });
  g.limits = { allowedHosts: ['api.example.com', 'docs.example.com'] };
  return Graph.parse(g);
}

describe('graphManifest', () => {
  it('lists kinds, models, credential names, tools and hosts the graph needs', () => {
    expect(graphManifest(graphWithEverything())).toEqual({
      agentKinds: ['assistant', 'router', 'tool'],
      models: [
        { id: 'm', provider: 'scripted' },
        { id: 'gpt', provider: 'openai', model: 'gpt-4o-mini', credential: 'acme-openai' },
        {
          id: 'local',
          provider: 'openai',
          model: 'llama3',
          baseUrl: 'http://127.0.0.1:11434/v1',
          credential: 'OPENAI_API_KEY',
        },
      ],
      credentials: ['OPENAI_API_KEY', 'acme-openai'],
      tools: ['calculator', 'http_get', 'json_path'],
      allowedHosts: ['api.example.com', 'docs.example.com'],
    });
  });

  it('never carries a secret value, only names', () => {
    const text = JSON.stringify(graphManifest(graphWithEverything()));
    expect(text).not.toMatch(/sk-|apiKey|password/i);
  });
});

describe('exportGraph', () => {
  it('adds the manifest and the result still validates without warnings', () => {
    const exported = exportGraph(graphWithEverything());
    expect(exported.manifest?.agentKinds).toEqual(['assistant', 'router', 'tool']);
    const r = validateGraph(JSON.parse(JSON.stringify(exported)));
    expect(r.problems).toEqual([]);
    expect(r.graph?.manifest).toEqual(exported.manifest);
  });

  it('replaces a stale manifest', () => {
    const g = graphWithEverything();
    g.manifest = { agentKinds: [], models: [], credentials: [], tools: [], allowedHosts: [] };
    expect(exportGraph(g).manifest).toEqual(graphManifest(g));
  });
});
