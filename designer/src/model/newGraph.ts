import { GRAPH_FORMAT, GRAPH_VERSION, type Graph } from '../../../schemas/graph.ts';
import type { ModelDef } from '../../../schemas/models.ts';
import { newId } from './ids.ts';
import { newModel } from './providers.ts';

/**
 * A new graph with an entry topic and an output topic, so the builder only has to add agents
 * between them. Its model is the runner's configured default, else a scripted stand-in that
 * runs without credentials and says so in its replies.
 */
export function newGraph(name: string, model: ModelDef = newModel('scripted', 'scripted')): Graph {
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    id: newId('g'),
    name,
    description: '',
    models: [model],
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
