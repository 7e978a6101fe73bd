import type { GraphInput } from '../../schemas/graph.ts';
import { Graph } from '../../schemas/graph.ts';
import type { Core } from '../../runner/app.ts';
import { LOCAL_TENANT } from '../../runner/config.ts';

/** One scripted assistant, no streaming: the turn the e2e figures measure. */
export const ECHO: GraphInput = {
  format: 'switchboard/graph',
  version: 1,
  id: 'bench-echo',
  name: 'Bench echo',
  models: [{ id: 'm', provider: 'scripted', fallback: 'ok: {input}' }],
  agents: [{ id: 'echo', type: 'echo', kind: 'assistant', config: { model: 'm', stream: false } }],
  topics: [
    { id: 'in', type: 'bench.in' },
    { id: 'out', type: 'bench.out' },
  ],
  subscriptions: [{ id: 's1', topic: 'in', agent: 'echo' }],
  publications: [{ id: 'p1', agent: 'echo', topic: 'out' }],
  entry: 'in',
  output: ['out'],
};

/** planner → researcher → writer, each with a fixed scripted reply: the LangGraph comparison. */
export const THREE_AGENTS: GraphInput = {
  format: 'switchboard/graph',
  version: 1,
  id: 'bench-three',
  name: 'Bench three agents',
  models: [
    { id: 'planner-m', provider: 'scripted', fallback: 'Plan: look it up, then write it down.' },
    { id: 'researcher-m', provider: 'scripted', fallback: 'Findings: three facts worth telling.' },
    { id: 'writer-m', provider: 'scripted', fallback: 'Answer: here are the three facts, plainly.' },
  ],
  agents: [
    { id: 'planner', type: 'planner', kind: 'assistant', config: { model: 'planner-m', stream: false } },
    { id: 'researcher', type: 'researcher', kind: 'assistant', config: { model: 'researcher-m', stream: false } },
    { id: 'writer', type: 'writer', kind: 'assistant', config: { model: 'writer-m', stream: false } },
  ],
  topics: [
    { id: 'ask', type: 'three.ask' },
    { id: 'plan', type: 'three.plan' },
    { id: 'facts', type: 'three.facts' },
    { id: 'answer', type: 'three.answer' },
  ],
  subscriptions: [
    { id: 's1', topic: 'ask', agent: 'planner' },
    { id: 's2', topic: 'plan', agent: 'researcher' },
    { id: 's3', topic: 'facts', agent: 'writer' },
  ],
  publications: [
    { id: 'p1', agent: 'planner', topic: 'plan' },
    { id: 'p2', agent: 'researcher', topic: 'facts' },
    { id: 'p3', agent: 'writer', topic: 'answer' },
  ],
  entry: 'ask',
  output: ['answer'],
};
export const SCRIPT = [
  'Plan: look it up, then write it down.',
  'Findings: three facts worth telling.',
  'Answer: here are the three facts, plainly.',
];

export async function putGraph(core: Pick<Core, 'store'>, input: GraphInput): Promise<void> {
  const graph = Graph.parse(input);
  await core.store.putGraph({
    tenant: LOCAL_TENANT,
    id: graph.id,
    version: 1,
    graph,
    draft: false,
    updatedAt: Date.now(),
  });
}
