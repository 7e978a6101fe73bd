import { describe, expect, it } from 'vitest';
import {
  acme,
  approvalGraph,
  echoGraph,
  gatherGraph,
  listen,
  putGraph,
  runnersPerTest,
  waitFor,
} from './test-support.ts';

// How a message becomes a turn: routed through the graph, queued, deduplicated, held open.
const { setup } = runnersPerTest();

describe('SessionManager', () => {
  it('creates a session, routes a message through the graph and ends the turn', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const info = await manager.create(acme, { graphId: 'echo' });
    expect(info).toMatchObject({
      tenant: 'acme',
      user: 'ann',
      graphId: 'echo',
      graphVersion: 1,
      state: 'idle',
      turns: 0,
    });
    const ev = await listen(manager, acme, info.id);
    const { messageId, turnId } = await manager.send(acme, info.id, { content: 'hello there' });
    await manager.settled(acme, info.id);

    const transcript = await manager.transcript(acme, info.id);
    expect(transcript.map((m) => [m.sender, m.topic.type, m.content, m.output])).toEqual([
      ['user', 'echo.in', 'hello there', false],
      ['echo', 'echo.out', 'echo: hello there', true],
    ]);
    expect(transcript[0]).toMatchObject({ id: messageId, turnId, recipients: ['echo'], topic: { source: info.id } });
    expect(transcript[1]).toMatchObject({ turnId, recipients: [], role: 'assistant' });
    expect(ev.of('message').map((m) => m.content)).toEqual(['hello there', 'echo: hello there']);
    expect(ev.of('turn_end')).toEqual([expect.objectContaining({ sessionId: info.id, turnId, reason: 'completed' })]);
    expect(ev.of('session').map((e) => e.state)).toEqual(['running', 'idle']);
    const after = await manager.get(acme, info.id);
    expect(after).toMatchObject({ state: 'idle', turns: 1 });
    expect(after.usage.completionTokens).toBeGreaterThan(0);
    expect(after.usage.cost).toBeCloseTo(
      (after.usage.promptTokens * 1 + after.usage.completionTokens * 2) / 1_000_000,
      12,
    );
    expect(ev.of('turn_end')[0]?.usage).toEqual(after.usage);
    expect(after.agentUsage?.echo?.completionTokens).toBe(after.usage.completionTokens);
    expect(ev.of('usage')[0]).toMatchObject({ agent: 'echo', turnId, session: after.usage });
    // The one call's own figures and model, for the designer's trace waterfall.
    expect(ev.of('usage')[0]?.call).toEqual(after.usage);
    expect(ev.of('usage')[0]?.model).toEqual(expect.any(String));

    // persisted before settled resolved: the store already holds the turn
    const stored = await runner.store.getSession('acme', info.id);
    expect(stored?.transcript).toHaveLength(2);
    expect(stored?.info.turns).toBe(1);
    expect((await manager.list(acme)).map((s) => s.id)).toEqual([info.id]);
  });

  it('queues a message sent while a turn runs for the next turn', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', approvalGraph());
    const { manager } = runner;
    const info = await manager.create(acme, { graphId: 'approval' });
    const ev = await listen(manager, acme, info.id);
    const first = await manager.send(acme, info.id, { content: 'one' });
    const second = await manager.send(acme, info.id, { content: 'two' });
    expect(second.turnId).not.toBe(first.turnId);
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(1));
    await manager.reply(acme, info.id, ev.of('input_request')[0]!.requestId, 'yes to one');
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(2));
    expect(ev.of('input_request')[1]).toMatchObject({ turnId: second.turnId, prompt: expect.stringContaining('two') });
    await manager.reply(acme, info.id, ev.of('input_request')[1]!.requestId, 'yes to two');
    await manager.settled(acme, info.id);
    expect(ev.of('turn_end').map((e) => [e.turnId, e.reason])).toEqual([
      [first.turnId, 'completed'],
      [second.turnId, 'completed'],
    ]);
    expect((await manager.transcript(acme, info.id)).filter((m) => m.output).map((m) => m.content)).toEqual([
      'yes to one',
      'yes to two',
    ]);
  });

  it('treats a resend with the same message id as the same message', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const info = await manager.create(acme, { graphId: 'echo' });
    const a = await manager.send(acme, info.id, { content: 'once', messageId: 'client-1' });
    const b = await manager.send(acme, info.id, { content: 'once', messageId: 'client-1' });
    await manager.settled(acme, info.id);
    const c = await manager.send(acme, info.id, { content: 'once', messageId: 'client-1' });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.messageId).toBe('client-1');
    expect((await manager.transcript(acme, info.id)).map((m) => m.content)).toEqual(['once', 'echo: once']);
    expect((await manager.get(acme, info.id)).turns).toBe(1);
  });

  it('answers a resend of an old message with its turn after the session came back with only its recent entries', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager, store } = runner;
    const info = await manager.create(acme, { graphId: 'echo' });
    const first = await manager.send(acme, info.id, { content: 'm0', messageId: 'client-0' });
    await manager.settled(acme, info.id);
    for (let i = 1; i < 10; i++) {
      await manager.send(acme, info.id, { content: `m${i}`, messageId: `client-${i}` });
      await manager.settled(acme, info.id);
      // The files hold the first turns; the journal the last ones, which a load reads alone.
      if (i === 7) await store.flush();
    }
    const loaded = await store.loadSession('acme', info.id);
    expect(loaded?.transcriptOffset).toBeGreaterThan(0);
    expect(await manager.send(acme, info.id, { content: 'm0', messageId: 'client-0' })).toEqual(first);
    const transcript = await manager.transcript(acme, info.id);
    expect(transcript.map((m) => m.content)).toEqual(
      Array.from({ length: 10 }, (_, i) => [`m${i}`, `echo: m${i}`]).flat(),
    );
  });

  it('keeps a turn open while an agent holds it (aggregator waiting for its timeout)', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', gatherGraph(200));
    const info = await runner.manager.create(acme, { graphId: 'gather' });
    const ev = await listen(runner.manager, acme, info.id);
    await runner.manager.send(acme, info.id, { content: 'x' });
    await runner.manager.settled(acme, info.id);
    expect(ev.of('turn_end')).toEqual([expect.objectContaining({ reason: 'completed' })]);
    expect(
      (await runner.manager.transcript(acme, info.id)).filter((m) => m.output).map((m) => [m.sender, m.content]),
    ).toEqual([['gather', expect.stringContaining('part: x')]]);
  });
});
