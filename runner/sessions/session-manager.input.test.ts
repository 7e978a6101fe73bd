import { describe, expect, it } from 'vitest';
import type { AgentEnv } from '../agents/env.ts';
import { acme, approvalGraph, listen, putGraph, runnersPerTest, waitFor } from './test-support.ts';

// Turns that ask a person for input, and the controls a person has over a turn.
const { setup } = runnersPerTest();

describe('SessionManager', () => {
  it('tells a client that arrives while a turn waits for input what it was asked, until it is answered', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', approvalGraph());
    const info = await runner.manager.create(acme, { graphId: 'approval' });
    const ev = await listen(runner.manager, acme, info.id);
    await runner.manager.send(acme, info.id, { content: 'ship it?' });
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(1));
    const asked = await runner.manager.get(acme, info.id);
    expect(asked).toMatchObject({ state: 'waiting_input', inputRequests: [ev.of('input_request')[0]] });
    expect((await runner.manager.list(acme))[0]).not.toHaveProperty('inputRequests');
    await runner.manager.reply(acme, info.id, asked.inputRequests![0]!.requestId, 'yes');
    await runner.manager.settled(acme, info.id);
    expect(await runner.manager.get(acme, info.id)).not.toHaveProperty('inputRequests');
    expect((await runner.store.getSession('acme', info.id))?.info).not.toHaveProperty('inputRequests');
  });

  it('lets an agent end or ask input only in the turn it works for, not the one running after it', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', approvalGraph());
    const info = await runner.manager.create(acme, { graphId: 'approval' });
    const ev = await listen(runner.manager, acme, info.id);
    const first = await runner.manager.send(acme, info.id, { content: 'one' });
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(1));
    await runner.manager.abort(acme, info.id);
    const second = await runner.manager.send(acme, info.id, { content: 'two' });
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(2));
    // What an agent of the first turn holds, reached the way agents reach it.
    const session = (runner.manager as unknown as { contexts: { env(t: string, g: unknown): AgentEnv } }).contexts
      .env('acme', {})
      .session(info.id);
    session.endTurn(first.turnId, 'error', 'a late failure of the first turn');
    await expect(session.requestInput(first.turnId, 'approver', 'again?', 1000)).rejects.toMatchObject({
      code: 'no_turn',
    });
    expect(ev.of('turn_end').map((e) => e.turnId)).toEqual([first.turnId]);
    session.endTurn(second.turnId, 'terminated', 'its own agent ends it');
    await runner.manager.settled(acme, info.id);
    expect(ev.of('turn_end').map((e) => [e.turnId, e.reason])).toEqual([
      [first.turnId, 'aborted'],
      [second.turnId, 'terminated'],
    ]);
  });

  it('asks the client for input and continues on the reply', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', approvalGraph());
    const { manager } = runner;
    const info = await manager.create(acme, { graphId: 'approval' });
    const ev = await listen(manager, acme, info.id);
    const { turnId } = await manager.send(acme, info.id, { content: 'deploy v2?' });
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(1));
    const request = ev.of('input_request')[0]!;
    expect(request).toMatchObject({ turnId, agent: 'approver', prompt: expect.stringContaining('deploy v2?') });
    expect((await manager.get(acme, info.id)).state).toBe('waiting_input');
    await expect(manager.reply(acme, info.id, 'not-a-request', 'x')).rejects.toMatchObject({ code: 'not_found' });
    await manager.reply(acme, info.id, request.requestId, 'approved');
    await manager.settled(acme, info.id);
    expect(ev.of('turn_end')[0]).toMatchObject({ reason: 'completed' });
    expect((await manager.transcript(acme, info.id)).at(-1)).toMatchObject({
      sender: 'approver',
      content: 'approved',
      output: true,
    });
  });

  it('stores an answer before the reply resolves, while the turn runs on', async () => {
    const { runner } = await setup();
    const base = approvalGraph();
    // The answer goes on to a second question, so only the reply itself can have saved it.
    await putGraph(runner.store, 'acme', {
      ...base,
      agents: [
        ...base.agents,
        { id: 'confirm', type: 'confirm', kind: 'user', config: { prompt: 'Sure?', timeoutMs: 60_000 } },
      ],
      topics: [...base.topics, { id: 'done', type: 'approval.done' }],
      subscriptions: [...base.subscriptions, { id: 's2', topic: 'out', agent: 'confirm' }],
      publications: [...base.publications, { id: 'p2', agent: 'confirm', topic: 'done' }],
      output: ['done'],
    });
    const { manager } = runner;
    const info = await manager.create(acme, { graphId: 'approval' });
    const ev = await listen(manager, acme, info.id);
    await manager.send(acme, info.id, { content: 'ship it?' });
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(1));
    await manager.reply(acme, info.id, ev.of('input_request')[0]!.requestId, 'approved');
    const stored = await runner.store.getSession('acme', info.id);
    expect(stored?.transcript.map((m) => [m.sender, m.content])).toEqual([
      ['user', 'ship it?'],
      ['approver', 'approved'],
    ]);
    // Stored once: the turn's own save later adds nothing twice.
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(2));
    await manager.reply(acme, info.id, ev.of('input_request')[1]!.requestId, 'yes');
    await manager.settled(acme, info.id);
    expect((await runner.store.getSession('acme', info.id))?.transcript.map((m) => m.content)).toEqual([
      'ship it?',
      'approved',
      'yes',
    ]);
  });

  it('ends the turn with input_timeout when nobody answers', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', approvalGraph(1000));
    const info = await runner.manager.create(acme, { graphId: 'approval' });
    const ev = await listen(runner.manager, acme, info.id);
    await runner.manager.send(acme, info.id, { content: 'anyone?' });
    await runner.manager.settled(acme, info.id);
    expect(ev.of('turn_end')).toEqual([expect.objectContaining({ reason: 'input_timeout' })]);
    expect((await runner.manager.get(acme, info.id)).state).toBe('idle');
  });

  it('pauses, resumes and aborts a turn', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', approvalGraph());
    const { manager } = runner;
    const info = await manager.create(acme, { graphId: 'approval' });
    const ev = await listen(manager, acme, info.id);
    await manager.send(acme, info.id, { content: 'first' });
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(1));
    await manager.pause(acme, info.id);
    expect((await manager.get(acme, info.id)).state).toBe('paused');
    await manager.reply(acme, info.id, ev.of('input_request')[0]!.requestId, 'held answer');
    // the answer is held while paused: not delivered, not in the transcript, the turn still open
    await new Promise((r) => setTimeout(r, 50));
    expect((await manager.transcript(acme, info.id)).map((m) => m.content)).toEqual(['first']);
    expect(ev.of('turn_end')).toHaveLength(0);
    await manager.resume(acme, info.id);
    await manager.settled(acme, info.id);
    expect((await manager.transcript(acme, info.id)).map((m) => m.content)).toEqual(['first', 'held answer']);
    expect(ev.of('turn_end')[0]).toMatchObject({ reason: 'completed' });

    await manager.send(acme, info.id, { content: 'second' });
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(2));
    await manager.abort(acme, info.id);
    await manager.settled(acme, info.id);
    expect(ev.of('turn_end')[1]).toMatchObject({ reason: 'aborted' });
    await expect(manager.pause(acme, info.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(manager.reply(acme, info.id, ev.of('input_request')[1]!.requestId, 'late')).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
