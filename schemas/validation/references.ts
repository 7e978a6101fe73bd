import { article, problem, type PathSegment, type Problem } from '../problem.ts';
import type { GraphView, NodeOrEdge } from './view.ts';

/** Every id a graph refers to names something of the right kind. */
export function referenceProblems(view: GraphView): Problem[] {
  const problems: Problem[] = [];
  const refer = (
    id: string | undefined,
    expected: 'agent' | 'topic' | 'model',
    path: PathSegment[],
    marks: Pick<Problem, 'nodeId' | 'edgeId'>,
  ) => {
    if (id === undefined || view.unreadable.has(expected)) return;
    const actual: NodeOrEdge | undefined = view.declared.get(id);
    if (actual === expected) return;
    const message = actual
      ? `refers to "${id}", which is ${article(actual)}, not ${article(expected)}`
      : `refers to unknown ${expected} "${id}"`;
    problems.push(
      problem('error', path, `unknown_${expected}`, message, marks, actual ? { id, actual, variant: 'kind' } : { id }),
    );
  };

  for (const { index, item } of view.subscriptions) {
    refer(item.topic, 'topic', ['subscriptions', index, 'topic'], { edgeId: item.id });
    refer(item.agent, 'agent', ['subscriptions', index, 'agent'], { edgeId: item.id });
  }
  for (const { index, item } of view.publications) {
    refer(item.agent, 'agent', ['publications', index, 'agent'], { edgeId: item.id });
    refer(item.topic, 'topic', ['publications', index, 'topic'], { edgeId: item.id });
  }
  refer(view.entry, 'topic', ['entry'], {});
  refer(view.start, 'topic', ['start'], {});
  for (const { index, item } of view.output) refer(item, 'topic', ['output', index], {});

  for (const { index, item: agent } of view.agents) {
    const at = ['agents', index, 'config'];
    const nodeId = { nodeId: agent.id };
    if (agent.kind === 'assistant') refer(agent.config.model, 'model', [...at, 'model'], nodeId);
    if (agent.kind === 'router') {
      refer(agent.config.model, 'model', [...at, 'model'], nodeId);
      refer(agent.config.defaultTopic, 'topic', [...at, 'defaultTopic'], nodeId);
      agent.config.rules.forEach((rule, k) => refer(rule.topic, 'topic', [...at, 'rules', k, 'topic'], nodeId));
    }
  }
  return problems;
}
