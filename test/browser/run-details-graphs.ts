import type { Graph } from '../../schemas/graph.ts';
import { graphHead } from './graph-head.ts';

// The graphs of the run-details tests: their ids start with "rd_".

const base = (
  id: string,
  name: string,
): Pick<Graph, 'format' | 'version' | 'id' | 'name' | 'description' | 'meta' | 'limits'> => ({
  ...graphHead(id, name),
  limits: { maxMessagesPerTurn: 20, maxTurnMs: 60_000, maxTokensPerSession: 1_000_000, allowedHosts: [] },
});
export const assistant = (id: string, label: string, model: string) => ({
  id,
  type: id,
  label,
  kind: 'assistant' as const,
  config: { model, systemMessage: '', tools: [], contextWindow: 20, maxToolRounds: 2, stream: false },
});

/** One labelled agent between an entry and an output topic, on the given models. */
export function single(id: string, label: string, model: string, models: Graph['models']): Graph {
  return {
    ...base(id, label),
    models,
    agents: [assistant(`${id}_bot`, label, model)],
    topics: [
      { id: 'ask', type: 'ask' },
      { id: 'answer', type: 'answer' },
    ],
    subscriptions: [{ id: 's-1', topic: 'ask', agent: `${id}_bot`, kind: 'type' }],
    publications: [{ id: 'p-1', agent: `${id}_bot`, topic: 'answer' }],
    entry: 'ask',
    output: ['answer'],
    layout: { nodes: { ask: { x: 0, y: 0 }, [`${id}_bot`]: { x: 260, y: 0 }, answer: { x: 520, y: 0 } } },
  };
}

export const scripted = (label: string): Graph['models'] => [
  {
    id: 'writer-model',
    provider: 'scripted',
    label,
    rules: [],
    fallback: 'Outline for {input}: intro, body, close.',
    tokenSize: 4,
  },
];
export const WRITER = single('rd_writer', 'Writer', 'writer-model', scripted('Scripted writer'));
/** Its model's host refuses connections: every call fails. */
export const BROKEN = single('rd_broken', 'Fact checker', 'far-model', [
  {
    id: 'far-model',
    provider: 'openai',
    model: 'gpt-4o-mini',
    baseUrl: 'http://127.0.0.1:9/v1',
    timeoutMs: 2000,
    maxRetries: 0,
  },
]);
/** Its agent names "gpt-9", which the graph does not define. */
export const TYPO = single('rd_typo', 'Support desk', 'gpt-9', scripted('Scripted'));
