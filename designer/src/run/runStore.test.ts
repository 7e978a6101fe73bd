import { beforeEach, describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../../schemas/protocol.ts';
import { useRun } from './runStore.ts';
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

describe('run store', () => {
  it('turns streamed tokens into one chat line that the final message replaces', () => {
    const run = useRun.getState();
    run.open({ id: SID, state: 'idle' });
    run.onToken({ sessionId: SID, turnId: 't1', agent: 'assistant', messageId: 'm1', delta: 'Hel' });
    run.onToken({ sessionId: SID, turnId: 't1', agent: 'assistant', messageId: 'm1', delta: 'lo' });
    expect(useRun.getState().sessions[SID]!.items).toEqual([{ kind: 'stream', id: 'm1', agent: 'assistant', text: 'Hello' }]);
    run.onMessage(message({ content: 'Hello' }));
    run.onMessage(message({ content: 'Hello' }));
    const session = useRun.getState().sessions[SID]!;
    expect(session.items).toEqual([expect.objectContaining({ kind: 'message', streamed: true })]);
    expect(session.trace).toHaveLength(1);
    expect(useRun.getState().hops).toHaveLength(2);
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
    expect(edgesOfHop(s().graph, { sender: 'assistant', topic: 'reply', recipients: ['assistant_2'] }).sort()).toEqual([pub.id, sub2.id].sort());
  });
});
