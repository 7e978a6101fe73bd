import type { EdgeTypes, NodeTypes } from '@xyflow/react';
import { AgentNode } from './AgentNode.tsx';
import { TopicNode } from './TopicNode.tsx';
import { LiveEdge } from './LiveEdge.tsx';

/** Defined once at module level: a new object per render would remount every node. */
export const nodeTypes: NodeTypes = { agent: AgentNode, topic: TopicNode };
export const edgeTypes: EdgeTypes = { live: LiveEdge };
