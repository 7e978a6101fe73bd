import type { Node, Edge } from '@xyflow/react';
import type { Topic } from '../../../schemas/graph.ts';
import type { Problem } from '../../../schemas/problem.ts';
import type { Agent } from '../../../schemas/kinds/index.ts';

export type Severity = 'error' | 'warning';
/** A node's validation mark: the worst severity and the problems, shown as a badge and tooltip. */
export type Mark = { severity: Severity; problems: Problem[] };

export type AgentNodeData = {
  agent: Agent;
  modelLabel?: string;
  /** Its model is a scripted stand-in, not an LLM. */
  scripted: boolean;
  mark?: Mark;
};
export type TopicNodeData = {
  topic: Topic;
  subscribers: number;
  entry: boolean;
  /** Where the runner announces a new session (the graph's `start`). */
  start: boolean;
  output: boolean;
  mark?: Mark;
};
export type AgentFlowNode = Node<AgentNodeData, 'agent'>;
export type TopicFlowNode = Node<TopicNodeData, 'topic'>;
export type FlowNode = AgentFlowNode | TopicFlowNode;
export type FlowEdge = Edge<{ kind: 'subscription' | 'publication' }>;
