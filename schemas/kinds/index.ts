import { z } from 'zod';
import { AssistantAgent } from './assistant.ts';
import { UserAgent } from './user.ts';
import { RouterAgent } from './router.ts';
import { ToolAgent } from './tool.ts';
import { AggregatorAgent } from './aggregator.ts';
import { TerminatorAgent } from './terminator.ts';

/** Every agent kind a graph can name; adding one means a file here and one in runner/agents. */
export const agentKinds = [
  AssistantAgent,
  UserAgent,
  RouterAgent,
  ToolAgent,
  AggregatorAgent,
  TerminatorAgent,
] as const;

export const Agent = z.discriminatedUnion('kind', agentKinds);
export type Agent = z.infer<typeof Agent>;
export type AgentKind = Agent['kind'];
export const AGENT_KINDS = agentKinds.map((k) => k.shape.kind.value) as AgentKind[];

export { AssistantAgent, UserAgent, RouterAgent, ToolAgent, AggregatorAgent, TerminatorAgent };
export { RouterRule } from './router.ts';
