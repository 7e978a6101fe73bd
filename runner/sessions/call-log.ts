import type { AgentEvent, MessageCall, UsageEvent } from '../../schemas/protocol.ts';
import { addUsage, zeroUsage } from './usage.ts';

/**
 * The agent calls still running in a session, from its own `agent` and `usage` events, so each
 * message an agent publishes can carry its call (`MessageEvent.call`). The transcript then holds
 * the trace's calls: a client that joins later, reloads or replays gets them with the messages,
 * from the store too, without a log of its own to write.
 */
export class CallLog {
  /** Turn → agent → the call; an agent handles one message at a time, so one call each. */
  private readonly open = new Map<string, Map<string, MessageCall>>();

  note(event: 'agent' | 'usage', payload: AgentEvent | UsageEvent): void {
    const calls = this.open.get(payload.turnId);
    if (event === 'agent') {
      const { phase, time } = payload as AgentEvent;
      if (phase === 'start') {
        if (calls) calls.set(payload.agent, { start: time });
        else this.open.set(payload.turnId, new Map([[payload.agent, { start: time }]]));
      } else calls?.delete(payload.agent);
      return;
    }
    const { call, model } = payload as UsageEvent;
    const running = calls?.get(payload.agent);
    if (!running || !call) return;
    running.usage = addUsage(running.usage ?? zeroUsage(), call);
    if (model !== undefined) running.model = model;
  }

  /** The sender's running call as it stands now (a copy: later model rounds add to the live one). */
  of(turnId: string, agent: string): MessageCall | undefined {
    const call = this.open.get(turnId)?.get(agent);
    return call && { ...call, ...(call.usage ? { usage: { ...call.usage } } : {}) };
  }

  /** A turn's end: its calls will not finish. */
  endTurn(turnId: string): void {
    this.open.delete(turnId);
  }
}
