import { z } from 'zod';
import { Id, Text } from '../ids.ts';
import { BuiltinToolName } from '../tools.ts';
import { agentCommon } from './common.ts';

/** An LLM agent: keeps its own context per session and publishes its reply. */
export const AssistantAgent = z.object({
  ...agentCommon,
  kind: z.literal('assistant'),
  config: z
    .object({
      /** Id of an entry in the graph's `models`. */
      model: Id,
      systemMessage: Text(50_000).default(''),
      tools: z.array(BuiltinToolName).max(16).default([]),
      /** Ids of the graph's MCP servers whose (allowed) tools the model may call, beside `tools`. */
      mcpServers: z.array(Id).max(16).optional(),
      /** Most recent messages kept in the model context; older ones are dropped. */
      contextWindow: z.number().int().min(1).max(1000).default(50),
      /** Most tool-call rounds in one reply before the agent gives up. */
      maxToolRounds: z.number().int().min(1).max(50).default(5),
      stream: z.boolean().default(true),
    })
    .strict(),
});
