import type { Node, Edge } from '@xyflow/react';
import type { Topic } from '../../../schemas/graph.ts';
import type { Agent } from '../../../schemas/kinds/index.ts';

export type Severity = 'error' | 'warning';
/** A node's validation mark: the worst severity and the messages, shown as a badge and tooltip. */
export type Mark = { severity: Severity; messages: string[] };

export type AgentNodeData = {
  agent: Agent;
  modelLabel?: string;
  mark?: Mark;
};
export type TopicNodeData = {
  topic: Topic;
  subscribers: number;
  entry: boolean;
  output: boolean;
  mark?: Mark;
};
export type AgentFlowNode = Node<AgentNodeData, 'agent'>;
export type TopicFlowNode = Node<TopicNodeData, 'topic'>;
export type FlowNode = AgentFlowNode | TopicFlowNode;
export type FlowEdge = Edge<{ kind: 'subscription' | 'publication' }>;
