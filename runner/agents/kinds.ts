import type { Agent as AgentNode, AgentKind } from '../../schemas/kinds/index.ts';
import type { AgentId } from '../runtime/ids.ts';
import { AggregatorAgent } from './aggregator.ts';
import { AssistantAgent } from './assistant.ts';
import type { AgentSetup, GraphAgent } from './base.ts';
import { PlaceholderAgent } from './placeholder.ts';
import { RouterAgent } from './router.ts';
import { TerminatorAgent } from './terminator.ts';
import { ToolAgent } from './tool.ts';
import { UserAgent } from './user.ts';

type NodeOf<K extends AgentKind> = Extract<AgentNode, { kind: K }>;
export type AgentClass<K extends AgentKind = AgentKind> = new (
  id: AgentId,
  setup: AgentSetup<NodeOf<K>>,
) => GraphAgent<NodeOf<K>>;

/** Kind → implementation. Adding a kind: its schema in schemas/kinds, its class file here, one line below. */
const agentClasses: { [K in AgentKind]?: AgentClass<K> } = {
  assistant: AssistantAgent,
  user: UserAgent,
  router: RouterAgent,
  tool: ToolAgent,
  aggregator: AggregatorAgent,
  terminator: TerminatorAgent,
};

/** The class for a kind; a kind without one gets the placeholder, which fails its turns clearly. */
export const agentClassOf = (kind: AgentKind): AgentClass => (agentClasses[kind] ?? PlaceholderAgent) as AgentClass;
