import { describe, expect, it } from 'vitest';
import type { AgentEvent, MessageEvent, UsageEvent } from '../../../schemas/protocol.ts';
import {
  applyAgentEvent,
  applyUsage,
  totalsByAgent,
  withLiveMessageCall,
  withMessageCalls,
  type AgentCall,
} from './calls.ts';
import { traceRows } from './traceRows.ts';

const SID = 's1';
const agent = (name: string, phase: AgentEvent['phase'], time: number, turnId = 't1'): AgentEvent => ({
  sessionId: SID,
  turnId,
  agent: name,
  phase,
  time,
  ...(phase === 'error' ? { error: 'model "m": call aborted' } : {}),
});
const usage = (name: string, tokens: number): UsageEvent => {
  const u = { promptTokens: tokens, completionTokens: tokens, cost: tokens / 1000, estimated: false };
  return { sessionId: SID, turnId: 't1', agent: name, usage: u, session: u, call: u, model: 'gpt' };
};
const message = (id: string, sender: string, time: number, recipients: string[] = []): MessageEvent => ({
  sessionId: SID,
  id,
  turnId: 't1',
  topic: { type: 'x', source: SID },
  sender,
  recipients,
  role: 'assistant',
  content: `${sender} says`,
  output: false,
  time,
});

function play(...steps: ((calls: AgentCall[]) => AgentCall[])[]): AgentCall[] {
  return steps.reduce((calls, step) => step(calls), [] as AgentCall[]);
}

describe('agent calls from live events', () => {
  it('times each call, adds its model calls’ tokens and model, and totals per agent', () => {
    const calls = play(
      (c) => applyAgentEvent(c, agent('planner', 'start', 100), false),
      (c) => applyUsage(c, usage('planner', 10)),
      (c) => applyUsage(c, usage('planner', 5)),
      (c) => applyAgentEvent(c, agent('planner', 'finish', 140), false),
      (c) => applyAgentEvent(c, agent('critic', 'start', 150), false),
      (c) => applyAgentEvent(c, agent('critic', 'finish', 170), false),
      (c) => applyAgentEvent(c, agent('planner', 'start', 180), false),
      (c) => applyAgentEvent(c, agent('planner', 'finish', 200), false),
    );
    expect(calls.map((c) => [c.agent, c.start, c.end, c.outcome, c.usage?.promptTokens, c.model])).toEqual([
      ['planner', 100, 140, 'finished', 15, 'gpt'],
      ['critic', 150, 170, 'finished', undefined, undefined],
      ['planner', 180, 200, 'finished', undefined, undefined],
    ]);
    expect(
      totalsByAgent(calls).map((t) => [t.agent, t.calls, t.ms, t.usage.promptTokens + t.usage.completionTokens]),
    ).toEqual([
      ['planner', 2, 60, 30],
      ['critic', 1, 20, 0],
    ]);
  });

  it('marks a call stopped after its turn ended as cut short, not as an error', () => {
    const started = applyAgentEvent([], agent('ping', 'start', 1), false);
    expect(applyAgentEvent(started, agent('ping', 'error', 5), true)[0]).toMatchObject({ outcome: 'cut', end: 5 });
    expect(applyAgentEvent(started, agent('ping', 'error', 5), false)[0]).toMatchObject({ outcome: 'error' });
  });
});

describe('trace rows', () => {
  const calls = play(
    (c) => applyAgentEvent(c, agent('planner', 'start', 100), false),
    (c) => applyAgentEvent(c, agent('planner', 'finish', 100), false),
  );
  const trace = [message('m1', 'user', 100, ['planner']), message('m2', 'planner', 100, ['critic'])];
  const source = { id: SID, trace, calls, items: [] };
  const all = { sessionId: '', agent: '', topic: '', text: '' };

  it('orders a turn causally within one millisecond: delivered, call, published', () => {
    const rows = traceRows([source], all);
    expect(
      rows.map((r) =>
        r.kind === 'call' ? `call:${r.call.agent}` : r.kind === 'message' ? `msg:${r.message.sender}` : r.kind,
      ),
    ).toEqual(['session', 'turn', 'msg:user', 'call:planner', 'msg:planner']);
  });

  it('filters by agent: its calls, what it sent and what was delivered to it', () => {
    const rows = traceRows([source], { ...all, agent: 'critic' });
    expect(rows.map((r) => r.kind + (r.kind === 'message' ? `:${r.message.sender}` : ''))).toEqual([
      'session',
      'turn',
      'message:planner',
    ]);
  });
});

describe('agent calls from the transcript', () => {
  const u = (tokens: number) => ({ promptTokens: tokens, completionTokens: tokens, cost: 0, estimated: false });
  const carried = (id: string, sender: string, time: number, start: number, tokens?: number): MessageEvent => ({
    ...message(id, sender, time),
    call: { start, ...(tokens === undefined ? {} : { usage: u(tokens), model: 'gpt' }) },
  });

  it('rebuilds each call from the messages that carry it, once, ending at its last message', () => {
    const calls = withMessageCalls(
      [],
      [
        message('m0', 'user', 90),
        carried('m1', 'planner', 130, 100, 4),
        carried('m2', 'planner', 140, 100, 6), // one call published twice; its later message saw more tokens
        carried('m3', 'fetch', 170, 150),
      ],
    );
    expect(calls.map((c) => [c.agent, c.start, c.end, c.outcome, c.usage?.promptTokens, c.model])).toEqual([
      ['planner', 100, 140, 'finished', 6, 'gpt'],
      ['fetch', 150, 170, 'finished', undefined, undefined],
    ]);
  });

  it('keeps the calls heard live and adds only the ones it lacks, in start order', () => {
    const live = play(
      (c) => applyAgentEvent(c, agent('critic', 'start', 200), false),
      (c) => applyAgentEvent(c, agent('critic', 'finish', 260), false),
    );
    const calls = withMessageCalls(live, [carried('m1', 'planner', 140, 100, 3), carried('m2', 'critic', 250, 200, 2)]);
    expect(calls.map((c) => [c.agent, c.start, c.end])).toEqual([
      ['planner', 100, 140],
      ['critic', 200, 260],
    ]);
    expect(withMessageCalls(calls, [carried('m1', 'planner', 140, 100, 3)])).toBe(calls);
  });

  it('adds a live message’s call only when its agent events were not heard', () => {
    const heard = play(
      (c) => applyAgentEvent(c, agent('critic', 'start', 200), false),
      (c) => applyAgentEvent(c, agent('critic', 'finish', 260), false),
    );
    expect(withLiveMessageCall(heard, carried('m2', 'critic', 250, 200, 2))).toBe(heard);
    expect(withLiveMessageCall(heard, carried('m3', 'fetch', 270, 265)).map((c) => [c.agent, c.start, c.end])).toEqual([
      ['critic', 200, 260],
      ['fetch', 265, 270],
    ]);
  });
});
