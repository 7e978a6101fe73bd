import type { AgentEvent, MessageEvent, Usage, UsageEvent } from '../../../schemas/protocol.ts';

/**
 * One agent call as the trace's waterfall shows it, built from the live `agent` start/finish
 * events and the `usage` events between them, or, for what this tab did not hear live (a session
 * attached later, reloaded or replayed), from the call each agent message carries. `cut`: the call was stopped because its turn had
 * already ended (a message limit, an abort), which is not the agent's error.
 */
export type AgentCall = {
  key: string;
  turnId: string;
  agent: string;
  start: number;
  end?: number;
  outcome: 'running' | 'finished' | 'error' | 'cut';
  error?: string;
  usage?: Usage;
  /** The graph's model id the call used. */
  model?: string;
};

/** The latest call of this agent in this turn still running (searched from the end: it is nearly always there). */
function openCall(calls: readonly AgentCall[], turnId: string, agent: string, running = true): number {
  for (let i = calls.length - 1; i >= 0; i--) {
    const c = calls[i]!;
    if (c.turnId === turnId && c.agent === agent && (!running || c.outcome === 'running')) return i;
  }
  return -1;
}

const replaced = (calls: readonly AgentCall[], at: number, call: AgentCall) =>
  calls.map((c, i) => (i === at ? call : c));

/** Applies an `agent` event; `turnOver` says its turn had already ended when it came. */
export function applyAgentEvent(calls: readonly AgentCall[], event: AgentEvent, turnOver: boolean): AgentCall[] {
  if (event.phase === 'start')
    return [
      ...calls,
      {
        key: `${event.turnId}-${event.agent}-${event.time}-${calls.length}`,
        turnId: event.turnId,
        agent: event.agent,
        start: event.time,
        outcome: 'running',
      },
    ];
  const at = openCall(calls, event.turnId, event.agent);
  if (at < 0) return calls as AgentCall[];
  const outcome = event.phase === 'finish' ? 'finished' : turnOver ? 'cut' : 'error';
  return replaced(calls, at, {
    ...calls[at]!,
    end: event.time,
    outcome,
    ...(event.error ? { error: event.error } : {}),
  });
}

const add = (a: Usage | undefined, b: Usage): Usage => ({
  promptTokens: (a?.promptTokens ?? 0) + b.promptTokens,
  completionTokens: (a?.completionTokens ?? 0) + b.completionTokens,
  cost: (a?.cost ?? 0) + b.cost,
  estimated: (a?.estimated ?? false) || b.estimated,
});

/** Adds a model call's tokens to the agent's running call (a call may ask the model several times, with tools). */
export function applyUsage(calls: readonly AgentCall[], event: UsageEvent): AgentCall[] {
  if (!event.call) return calls as AgentCall[];
  let at = openCall(calls, event.turnId, event.agent);
  if (at < 0) at = openCall(calls, event.turnId, event.agent, false);
  if (at < 0) return calls as AgentCall[];
  const call = calls[at]!;
  return replaced(calls, at, {
    ...call,
    usage: add(call.usage, event.call),
    ...(event.model ? { model: event.model } : {}),
  });
}

/**
 * Adds the calls that transcript messages carry and the view does not have yet (same turn,
 * agent and start). Such a call ends at its last message: it published when its work was done.
 */
export function withMessageCalls(calls: readonly AgentCall[], messages: readonly MessageEvent[]): AgentCall[] {
  const keyOf = (turnId: string, agent: string, start: number) => `${turnId}\u0000${agent}\u0000${start}`;
  const known = new Set(calls.map((c) => keyOf(c.turnId, c.agent, c.start)));
  const found = new Map<string, AgentCall>();
  for (const m of messages) {
    if (!m.call) continue;
    const key = keyOf(m.turnId, m.sender, m.call.start);
    if (known.has(key)) continue;
    const seen = found.get(key);
    found.set(key, {
      key: `${m.turnId}-${m.sender}-${m.call.start}-t`,
      turnId: m.turnId,
      agent: m.sender,
      start: m.call.start,
      end: Math.max(seen?.end ?? 0, m.time),
      outcome: 'finished',
      // A later message of the call has seen at least as many model rounds.
      ...(m.call.usage ? { usage: m.call.usage } : seen?.usage ? { usage: seen.usage } : {}),
      ...((m.call.model ?? seen?.model) ? { model: m.call.model ?? seen?.model } : {}),
    });
  }
  if (found.size === 0) return calls as AgentCall[];
  return [...calls, ...found.values()].sort((a, b) => a.start - b.start);
}

/**
 * A live message's call, when its `agent` events were not heard (they came before this tab was
 * in the session's room). Looks back only over the calls that started since it: a long session
 * costs no more per message than a short one.
 */
export function withLiveMessageCall(calls: readonly AgentCall[], message: MessageEvent): AgentCall[] {
  const call = message.call;
  if (!call) return calls as AgentCall[];
  for (let i = calls.length - 1; i >= 0 && calls[i]!.start >= call.start; i--) {
    const c = calls[i]!;
    if (c.start === call.start && c.agent === message.sender && c.turnId === message.turnId)
      return calls as AgentCall[];
  }
  return withMessageCalls(calls, [message]);
}

/** Per agent: how many calls, their time and their tokens. */
export type AgentTotals = { agent: string; calls: number; ms: number; usage: Usage };

export function totalsByAgent(calls: readonly AgentCall[]): AgentTotals[] {
  const totals = new Map<string, AgentTotals>();
  for (const c of calls) {
    const t = totals.get(c.agent) ?? {
      agent: c.agent,
      calls: 0,
      ms: 0,
      usage: { promptTokens: 0, completionTokens: 0, cost: 0, estimated: false },
    };
    t.calls += 1;
    t.ms += (c.end ?? c.start) - c.start;
    if (c.usage) t.usage = add(t.usage, c.usage);
    totals.set(c.agent, t);
  }
  return [...totals.values()].sort((a, b) => b.ms - a.ms);
}
