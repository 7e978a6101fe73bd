import { context } from '@opentelemetry/api';
import { inSpan } from './spans.ts';
import { tracing } from './tracing.ts';
import { turnTrace } from './turn-trace.ts';

export interface AgentHandling {
  /** The agent's node id in the graph. */
  id: string;
  type: string;
  kind: string;
  /** Graph topic type of the message; undefined for a direct send. */
  topic: string | undefined;
}

/**
 * Runs one agent's handling of a message in a span, a child of its turn's root span: agents
 * are siblings under the turn whoever published to them, so the tree reads as the turn's
 * timeline. The topics it publishes to are added as it publishes (see topicsOut).
 */
export function inAgentSpan<T>(turnId: string, agent: AgentHandling, fn: () => Promise<T>): Promise<T> {
  if (!tracing.enabled) return fn();
  const turn = turnTrace(turnId);
  return inSpan(
    `agent ${agent.type}`,
    {
      parent: turn?.context ?? context.active(),
      attributes: {
        'switchboard.agent.id': agent.id,
        'switchboard.agent.type': agent.type,
        'switchboard.agent.kind': agent.kind,
        'switchboard.topic.in': agent.topic ?? '',
        'switchboard.topics.out': [],
        'switchboard.turn.id': turnId,
      },
    },
    fn,
  );
}
