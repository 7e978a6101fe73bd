import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InputRequestEvent, MessageEvent } from '../../../schemas/protocol.ts';
import { GLOW_MS, PULSE_MS, useRun } from './runStore.ts';
import { edgesOfHop } from './flow.ts';
import { createEditorStore } from '../store/editorStore.ts';
import { newGraph } from '../model/newGraph.ts';

const SID = '00000000-0000-4000-8000-000000000001';
const message = (over: Partial<MessageEvent>): MessageEvent => ({
  sessionId: SID,
  id: 'm1',
  turnId: 't1',
  topic: { type: 'reply', source: SID },
  sender: 'assistant',
  recipients: [],
  role: 'assistant',
  content: 'hi',
  output: true,
  time: 1,
  ...over,
});

beforeEach(() => useRun.getState().reset());
afterEach(() => vi.useRealTimers());

describe('run store', () => {
  it('turns streamed tokens into one chat line that the final message replaces', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'idle' });
    run.onToken({ sessionId: SID, turnId: 't1', agent: 'assistant', messageId: 'm1', delta: 'Hel' });
    run.onToken({ sessionId: SID, turnId: 't1', agent: 'assistant', messageId: 'm1', delta: 'lo' });
    expect(useRun.getState().sessions[SID]!.items).toEqual([
      { kind: 'stream', id: 'm1', agent: 'assistant', text: 'Hello' },
    ]);
    run.onMessage(message({ content: 'Hello' }));
    run.onMessage(message({ content: 'Hello' }));
    const session = useRun.getState().sessions[SID]!;
    expect(session.items).toEqual([expect.objectContaining({ kind: 'message', streamed: true })]);
    expect(session.trace).toHaveLength(1);
    // The duplicate travelled no edge again.
    expect(useRun.getState().hops).toHaveLength(1);
  });

  it('renders coalesced deltas (several tokens in one event) like the per-token stream', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'idle' });
    for (const delta of ['One two ', 'three', ' four.'])
      run.onToken({ sessionId: SID, turnId: 't1', agent: 'assistant', messageId: 'm1', delta });
    expect(useRun.getState().sessions[SID]!.items).toEqual([
      { kind: 'stream', id: 'm1', agent: 'assistant', text: 'One two three four.' },
    ]);
  });

  it('shows recipients as working until they publish or the turn ends, even without agent events', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'idle' });
    run.onMessage(message({ id: 'u', sender: 'user', recipients: ['planner', 'critic'] }));
    expect(useRun.getState().sessions[SID]!.working).toEqual(['planner', 'critic']);
    run.onMessage(message({ id: 'p', sender: 'planner', recipients: [] }));
    expect(useRun.getState().sessions[SID]!.working).toEqual(['critic']);
    run.onTurnEnd({ sessionId: SID, turnId: 't1', reason: 'completed', time: 2 });
    expect(useRun.getState().sessions[SID]!.working).toEqual([]);
  });

  it('shows an agent’s failure and a warning in the chat, and the input request until it is answered', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'running' });
    run.onAgent({ sessionId: SID, turnId: 't1', agent: 'planner', phase: 'start', time: 1 });
    expect(useRun.getState().sessions[SID]!.working).toEqual(['planner']);
    run.onAgent({ sessionId: SID, turnId: 't1', agent: 'planner', phase: 'error', error: 'model refused', time: 2 });
    run.onInputRequest({
      sessionId: SID,
      turnId: 't1',
      requestId: 'r1',
      agent: 'reviewer',
      prompt: 'OK?',
      timeoutMs: 1000,
    });
    run.answered(SID, 'r1', 'yes');
    const session = useRun.getState().sessions[SID]!;
    expect(session.working).toEqual([]);
    expect(session.items).toEqual([
      { kind: 'error', id: 'err-planner-2', agent: 'planner', text: 'model refused' },
      expect.objectContaining({ kind: 'input', id: 'r1', answer: 'yes' }),
    ]);
    // The turn's end by that failure does not say it again.
    run.onTurnEnd({ sessionId: SID, turnId: 't1', reason: 'error', detail: 'planner: model refused', time: 3 });
    expect(useRun.getState().sessions[SID]!.items.at(-1)).toMatchObject({
      kind: 'turn_end',
      event: { reason: 'error', detail: undefined },
    });
  });

  it('ignores events of sessions not open in this tab, keeping sessions isolated', () => {
    const other = '00000000-0000-4000-8000-000000000002';
    useRun.getState().open({ id: SID, state: 'idle' });
    useRun.getState().open({ id: other, state: 'idle' });
    useRun.getState().onMessage(message({ sessionId: other, id: 'x' }));
    useRun.getState().onMessage(message({ sessionId: 'ffffffff-0000-4000-8000-000000000000', id: 'y' }));
    expect(useRun.getState().sessions[SID]!.trace).toEqual([]);
    expect(useRun.getState().sessions[other]!.trace.map((m) => m.id)).toEqual(['x']);
  });

  it('maps a hop to the publication and subscriptions it travelled', () => {
    const store = createEditorStore(newGraph('flow'));
    const s = () => store.getState();
    const a = s().addAgent('assistant', { x: 0, y: 0 });
    const b = s().addAgent('assistant', { x: 0, y: 0 });
    const sub = s().connect('input', a);
    const pub = s().connect(a, 'output');
    const sub2 = s().connect('output', b);
    if (!sub.ok || !pub.ok || !sub2.ok) throw new Error('connect failed');
    expect(edgesOfHop(s().graph, { sender: 'user', topic: 'user_input', recipients: ['assistant'] })).toEqual([sub.id]);
    expect(edgesOfHop(s().graph, { sender: 'assistant', topic: 'reply', recipients: ['assistant_2'] }).sort()).toEqual(
      [pub.id, sub2.id].sort(),
    );
  });
});

describe('run store after a rejoin', () => {
  const ids = () => useRun.getState().sessions[SID]!.trace.map((m) => m.id);
  const chat = () =>
    useRun
      .getState()
      .sessions[SID]!.items.map((i) =>
        i.kind === 'turn_end' ? `end:${i.turnId}:${i.event?.reason ?? 'inferred'}` : `${i.kind}:${i.id}`,
      );
  const user = (id: string, turnId: string, time: number) =>
    message({
      id,
      turnId,
      time,
      sender: 'user',
      recipients: ['assistant'],
      topic: { type: 'user_input', source: SID },
    });
  const reply = (id: string, turnId: string, time: number) => message({ id, turnId, time });

  it('puts a live message that overtook the catch-up after the messages the catch-up brings', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'idle' }, [user('u1', 't1', 1), reply('a1', 't1', 2)]);
    run.onTurnEnd({ sessionId: SID, turnId: 't1', reason: 'completed', time: 3 });
    // Offline from here. On rejoin the socket is in the room before the runner reads the
    // transcript, so the reply of the turn in flight arrives live, ahead of the catch-up.
    run.onMessage(reply('a2', 't2', 20));
    run.catchUp({ id: SID, state: 'running' }, 'a1', [user('u2', 't2', 10), reply('a2', 't2', 20)]);
    expect(ids()).toEqual(['u1', 'a1', 'u2', 'a2']);
    expect(chat()).toEqual(['message:u1', 'message:a1', 'end:t1:completed', 'message:u2', 'message:a2']);
  });

  it('follows the catch-up order when times tie, and keeps later live messages last', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'running' }, [user('u1', 't1', 5)]);
    run.onMessage(reply('b', 't1', 7));
    run.onMessage(reply('d', 't1', 9));
    run.catchUp({ id: SID, state: 'running' }, 'u1', [reply('a', 't1', 7), reply('b', 't1', 7), reply('c', 't1', 8)]);
    expect(ids()).toEqual(['u1', 'a', 'b', 'c', 'd']);
    expect(chat()).toEqual(['message:u1', 'message:a', 'message:b', 'message:c', 'message:d']);
  });

  it('places a late live message by its time, and new messages before a stream still being written', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'running' }, [user('u1', 't1', 1), reply('a3', 't1', 30)]);
    run.onMessage(reply('a2', 't1', 20));
    expect(ids()).toEqual(['u1', 'a2', 'a3']);
    run.onToken({ sessionId: SID, turnId: 't1', agent: 'assistant', messageId: 'a5', delta: '…' });
    run.onMessage(reply('a4', 't1', 40));
    expect(chat()).toEqual(['message:u1', 'message:a2', 'message:a3', 'message:a4', 'stream:a5']);
  });

  it('ends a turn whose turn_end was missed when the rejoined session is idle', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'running' }, [user('u1', 't1', 1)]);
    run.onMessage(
      message({ id: 'x', turnId: 't1', time: 2, sender: 'assistant', recipients: ['critic'], output: false }),
    );
    expect(useRun.getState().sessions[SID]!.working).toEqual(['critic']);
    run.catchUp({ id: SID, state: 'idle' }, 'x', [reply('a1', 't1', 3), user('u2', 't2', 4), reply('a2', 't2', 5)]);
    const session = useRun.getState().sessions[SID]!;
    expect(session.state).toBe('idle');
    expect(session.working).toEqual([]);
    expect(chat()).toEqual([
      'message:u1',
      'message:x',
      'message:a1',
      'end:t1:inferred',
      'message:u2',
      'message:a2',
      'end:t2:inferred',
    ]);
    // Nothing hops on the canvas for history.
    expect(useRun.getState().hops).toHaveLength(1);
  });

  it('leaves the turn in flight open when the session is still running, and ends the ones before it', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'running' }, [user('u1', 't1', 1)]);
    run.catchUp({ id: SID, state: 'running' }, 'u1', [
      reply('a1', 't1', 2),
      user('u2', 't2', 3),
      user('u3', 't3', 4),
      reply('a2', 't2', 5),
    ]);
    expect(chat()).toEqual(['message:u1', 'message:a1', 'end:t1:inferred', 'message:u2', 'message:u3', 'message:a2']);
    // The received end replaces nothing it should not, and marks the turns asked before it as over.
    run.onTurnEnd({ sessionId: SID, turnId: 't3', reason: 'aborted', time: 9 });
    expect(chat()).toEqual([
      'message:u1',
      'message:a1',
      'end:t1:inferred',
      'message:u2',
      'message:u3',
      'message:a2',
      'end:t2:inferred',
      'end:t3:aborted',
    ]);
  });

  it('replaces an inferred end with the received one, after the replies that came since', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'idle' }, [user('u1', 't1', 1)]);
    expect(chat()).toEqual(['message:u1', 'end:t1:inferred']);
    run.onMessage(reply('a1', 't1', 2));
    run.onTurnEnd({ sessionId: SID, turnId: 't1', reason: 'completed', time: 3 });
    run.onTurnEnd({ sessionId: SID, turnId: 't1', reason: 'completed', time: 3 });
    expect(chat()).toEqual(['message:u1', 'message:a1', 'end:t1:completed']);
  });
});

describe('run store input requests from a join’s answer', () => {
  const ask = (requestId: string, turnId = 't1'): InputRequestEvent => ({
    sessionId: SID,
    turnId,
    requestId,
    agent: 'reviewer',
    prompt: `${requestId}?`,
    timeoutMs: 60_000,
  });
  const inputs = () =>
    useRun
      .getState()
      .sessions[SID]!.items.flatMap((i) =>
        i.kind === 'input' ? [`${i.id}:${i.answer ?? (i.closed ? 'closed' : 'open')}`] : [],
      );
  const asked = [
    message({ id: 'u1', sender: 'user', recipients: ['drafter'], topic: { type: 'user_input', source: SID } }),
    message({ id: 'd1', sender: 'drafter', recipients: ['reviewer'], time: 2 }),
  ];

  it('shows the requests a session waits on when a tab attaches, as a live input_request would', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'waiting_input' });
    run.catchUp({ id: SID, state: 'waiting_input', inputRequests: [ask('r1')] }, undefined, asked);
    const session = useRun.getState().sessions[SID]!;
    expect(session.items.map((i) => `${i.kind}:${i.id}`)).toEqual(['message:u1', 'message:d1', 'input:r1']);
    expect(session.items[2]).toEqual({ kind: 'input', id: 'r1', request: ask('r1') });
    expect(session.state).toBe('waiting_input');
  });

  it('shows a request once when the live event and the join’s answer both bring it, in either order', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'running' });
    run.onInputRequest(ask('r1'));
    run.catchUp({ id: SID, state: 'waiting_input', inputRequests: [ask('r1'), ask('r2')] }, undefined, asked);
    run.onInputRequest(ask('r2'));
    expect(inputs()).toEqual(['r1:open', 'r2:open']);
  });

  it('keeps an answered request answered when an older rejoin answer still lists it', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'waiting_input', inputRequests: [ask('r1')] }, asked);
    run.answered(SID, 'r1', 'approve');
    run.catchUp({ id: SID, state: 'waiting_input', inputRequests: [ask('r1')] }, 'd1', []);
    expect(inputs()).toEqual(['r1:approve']);
  });

  it('closes an unanswered request when its turn ends, and does not bring back one of an ended turn', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'waiting_input' }, asked);
    run.onInputRequest(ask('r1'));
    // Another tab answered it: this one hears the turn's end only.
    run.onTurnEnd({ sessionId: SID, turnId: 't1', reason: 'completed', time: 5 });
    expect(inputs()).toEqual(['r1:closed']);
    // A join's answer read before that end, and a later live duplicate, change nothing.
    run.catchUp({ id: SID, state: 'waiting_input', inputRequests: [ask('r1'), ask('r0')] }, 'd1', []);
    run.onInputRequest(ask('r1'));
    expect(inputs()).toEqual(['r1:closed']);
  });

  it('does not show a request of a turn the rejoin shows to be over', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'waiting_input' }, asked);
    run.catchUp({ id: SID, state: 'idle', inputRequests: [ask('r1')] }, 'd1', []);
    expect(useRun.getState().sessions[SID]!.items.map((i) => i.kind)).toEqual(['message', 'message', 'turn_end']);
  });

  it('takes the calls of a session attached later from its transcript, and adds a rejoin’s without doubling a live one', () => {
    const usage = { promptTokens: 3, completionTokens: 4, cost: 0.01, estimated: false };
    const run = useRun.getState();
    run.open({ id: SID, state: 'idle' }, [
      message({ id: 'u1', sender: 'user', time: 10 }),
      message({ id: 'a1', time: 30, call: { start: 12, usage, model: 'gpt' } }),
    ]);
    expect(useRun.getState().sessions[SID]!.calls).toEqual([
      expect.objectContaining({
        turnId: 't1',
        agent: 'assistant',
        start: 12,
        end: 30,
        outcome: 'finished',
        usage,
        model: 'gpt',
      }),
    ]);
    // Heard live, then brought again by a rejoin: one call, as heard.
    run.onAgent({ sessionId: SID, turnId: 't2', agent: 'assistant', phase: 'start', time: 40 });
    run.onAgent({ sessionId: SID, turnId: 't2', agent: 'assistant', phase: 'finish', time: 55 });
    run.catchUp({ id: SID, state: 'idle' }, 'a1', [
      message({ id: 'a2', turnId: 't2', time: 50, call: { start: 40, usage } }),
    ]);
    expect(useRun.getState().sessions[SID]!.calls.map((c) => [c.turnId, c.start, c.end])).toEqual([
      ['t1', 12, 30],
      ['t2', 40, 55],
    ]);
  });

  it('shows an agent that started as working for a moment, even when it finished in the same frame', () => {
    vi.useFakeTimers();
    const run = useRun.getState();
    run.open({ id: SID, state: 'running' });
    run.onAgent({ sessionId: SID, turnId: 't1', agent: 'planner', phase: 'start', time: 1 });
    run.onMessage(message({ sender: 'planner' }));
    run.onAgent({ sessionId: SID, turnId: 't1', agent: 'planner', phase: 'finish', time: 2 });
    expect(useRun.getState().sessions[SID]!.working).toEqual([]);
    expect(useRun.getState().glows.map((g) => g.agent)).toEqual(['planner']);
    // The glow ends on its own time, before the pulse of the message it sent.
    vi.advanceTimersByTime(GLOW_MS + 100);
    expect(useRun.getState().glows).toEqual([]);
    expect(useRun.getState().hops).toHaveLength(1);
    vi.advanceTimersByTime(PULSE_MS);
    expect(useRun.getState().hops).toEqual([]);
  });
});
