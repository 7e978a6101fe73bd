import type { GraphInput } from './graph.ts';

/**
 * A small valid graph for tests: entry → router → two assistants → output. Each test mutates a
 * fresh copy to break exactly one rule.
 */
export function validGraph(): GraphInput {
  return {
    format: 'switchboard/graph',
    version: 1,
    id: 'fixture',
    name: 'Fixture',
    models: [{ id: 'm', provider: 'scripted', fallback: 'ok' }],
    agents: [
      {
        id: 'triage',
        type: 'triage',
        kind: 'router',
        config: { rules: [{ match: 'keyword', value: 'bill', topic: 'billing-q' }], defaultTopic: 'tech-q' },
      },
      { id: 'billing', type: 'billing', kind: 'assistant', config: { model: 'm' } },
      { id: 'tech', type: 'tech', kind: 'assistant', config: { model: 'm' } },
    ],
    topics: [
      { id: 'in', type: 'in' },
      { id: 'billing-q', type: 'q.billing' },
      { id: 'tech-q', type: 'q.tech' },
      { id: 'out', type: 'out' },
    ],
    subscriptions: [
      { id: 's-triage', topic: 'in', agent: 'triage', kind: 'type' },
      { id: 's-billing', topic: 'billing-q', agent: 'billing', kind: 'type' },
      { id: 's-tech', topic: 'tech-q', agent: 'tech', kind: 'type' },
    ],
    publications: [
      { id: 'p-triage-billing', agent: 'triage', topic: 'billing-q' },
      { id: 'p-triage-tech', agent: 'triage', topic: 'tech-q' },
      { id: 'p-billing', agent: 'billing', topic: 'out' },
      { id: 'p-tech', agent: 'tech', topic: 'out' },
    ],
    entry: 'in',
    output: ['out'],
    layout: { nodes: { in: { x: 0, y: 0 }, triage: { x: 200, y: 0 } } },
  };
}

/**
 * A graph as the v0 sketch stored it (flat nodes, edges, a single output): what an import of an
 * old file starts from. `model` is the model its assistant names, to make it valid or not.
 */
export function v0Sketch(title: string, model = 'm') {
  return {
    version: 0,
    id: 'old',
    title,
    models: [{ id: 'm', provider: 'scripted' }],
    nodes: [
      { id: 'in', kind: 'topic', name: 'inbox', x: 0, y: 0 },
      { id: 'bot', kind: 'assistant', name: 'bot', config: { model }, x: 200, y: 0 },
      { id: 'out', kind: 'topic', name: 'outbox', x: 400, y: 0 },
    ],
    edges: [
      { from: 'in', to: 'bot' },
      { from: 'bot', to: 'out' },
    ],
    entry: 'in',
    output: 'out',
  };
}
