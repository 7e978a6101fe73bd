import { z } from 'zod';
import { AgentTypeName, Id, Text } from '../ids.ts';

/** Fields every agent node has, whatever its kind. */
export const agentCommon = {
  id: Id,
  /** The AutoGen agent type: unique in the graph, the name subscriptions deliver to. */
  type: AgentTypeName,
  label: Text(200).optional(),
  description: Text(2000).optional(),
};
