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
