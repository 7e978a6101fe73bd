import type { Context, Span } from '@opentelemetry/api';
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

/** Agent spans open now, by turn and agent id, for the topics they publish to (topicsOut). */
const open = new Map<string, { span: Span; topics: Set<string> }>();
const keyOf = (turnId: string, agentId: string) => `${turnId}\n${agentId}`;

/**
 * Runs one agent's handling of a message in a span, a child of its turn's root span: agents
 * are siblings under the turn whoever published to them, so the tree reads as the turn's
 * timeline. `fn` gets the span's context for the model and tool calls it makes.
 */
export function inAgentSpan<T>(
  turnId: string,
  agent: AgentHandling,
  fn: (trace: Context | undefined) => Promise<T>,
): Promise<T> {
  if (!tracing.enabled) return fn(undefined);
  const turn = turnTrace(turnId);
  if (!turn?.span) return fn(undefined);
  const key = keyOf(turnId, agent.id);
  return inSpan(
    `agent ${agent.type}`,
    {
      parent: turn.context,
      attributes: {
        'switchboard.agent.id': agent.id,
        'switchboard.agent.type': agent.type,
        'switchboard.agent.kind': agent.kind,
        'switchboard.topic.in': agent.topic ?? '',
        'switchboard.topics.out': [],
        'switchboard.turn.id': turnId,
      },
    },
    async (span, trace) => {
      // An agent handling two messages of one turn at once records its topics on the later span.
      const mine = { span: span!, topics: new Set<string>() };
      open.set(key, mine);
      try {
        return await fn(trace);
      } finally {
        if (open.get(key) === mine) open.delete(key);
      }
    },
  );
}

/** Adds the topics agent `agentId` published to in turn `turnId` to its open span. */
export function topicsOut(turnId: string, agentId: string, topics: readonly string[]): void {
  if (!tracing.enabled) return;
  const a = open.get(keyOf(turnId, agentId));
  if (!a) return;
  const before = a.topics.size;
  for (const t of topics) a.topics.add(t);
  if (a.topics.size !== before) a.span.setAttribute('switchboard.topics.out', [...a.topics]);
}
