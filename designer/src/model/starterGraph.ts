import type { Graph } from '../../../schemas/graph.ts';
import type { ModelDef } from '../../../schemas/models.ts';
import { addAgent, connect } from './edit.ts';
import { newGraph } from './newGraph.ts';

/**
 * A new graph that runs at once: the person's message goes to one assistant, whose reply comes
 * back (the first thing Langflow's and Flowise's starters offer). Its model is the runner's
 * default, else the scripted stand-in that says it is one.
 */
export function starterGraph(
  name: string,
  labels: { agent: string; input: string; output: string },
  model?: ModelDef,
): Graph {
  const plain = newGraph(name, model);
  const topicLabel = { input: labels.input, output: labels.output } as Record<string, string>;
  const blank = { ...plain, topics: plain.topics.map((tp) => ({ ...tp, label: topicLabel[tp.id] })) };
  const { graph, id } = addAgent(blank, 'assistant', { x: 360, y: 110 });
  const named = { ...graph, agents: graph.agents.map((a) => (a.id === id ? { ...a, label: labels.agent } : a)) };
  const heard = connect(named, 'input', id);
  const answers = heard.ok ? connect(heard.graph, id, 'output') : heard;
  if (!answers.ok) throw new Error(`the starter graph could not be wired: ${answers.reason}`);
  return answers.graph;
}
