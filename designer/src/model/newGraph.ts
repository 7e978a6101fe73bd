import { GRAPH_FORMAT, GRAPH_VERSION, type Graph } from '../../../schemas/graph.ts';
import { newId } from './ids.ts';

/**
 * A new graph that runs without credentials: a scripted model, an entry topic and an output
 * topic, so the builder only has to add agents between them.
 */
export function newGraph(name: string): Graph {
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    id: newId('g'),
    name,
    description: '',
    models: [{ id: 'scripted', provider: 'scripted', rules: [], fallback: '{agent}: {input}', tokenSize: 4 }],
    agents: [],
    topics: [
      { id: 'input', type: 'user_input' },
      { id: 'output', type: 'reply' },
    ],
    subscriptions: [],
    publications: [],
    entry: 'input',
    output: ['output'],
    limits: { maxMessagesPerTurn: 100, maxTurnMs: 120_000, maxTokensPerSession: 1_000_000, allowedHosts: [] },
    layout: { nodes: { input: { x: 0, y: 120 }, output: { x: 720, y: 120 } } },
    meta: { tags: [] },
  };
}
