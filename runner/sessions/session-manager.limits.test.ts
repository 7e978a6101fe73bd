import { describe, expect, it } from 'vitest';
import { acme, approvalGraph, listen, loopGraph, putGraph, runnersPerTest } from './test-support.ts';

// The budgets that stop a turn: messages per turn, tokens per session, wall time.
const { setup } = runnersPerTest();

describe('SessionManager', () => {
  it('stops a writer-critic loop at the per-turn message budget', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', loopGraph({ maxMessagesPerTurn: 6 }));
    const { manager } = runner;
    const info = await manager.create(acme, { graphId: 'loop' });
    const ev = await listen(manager, acme, info.id);
    await manager.send(acme, info.id, { content: 'a poem' });
    await manager.settled(acme, info.id);
    expect(ev.of('turn_end')).toEqual([
      expect.objectContaining({ reason: 'max_messages', detail: expect.stringContaining('6 messages') }),
    ]);
    const transcript = await manager.transcript(acme, info.id);
    expect(transcript.filter((m) => m.sender !== 'user')).toHaveLength(6);
    // the loop really stopped: nothing more arrives and the runtime is idle for this session
    await runner.runtime.idle(info.id);
    expect(await manager.transcript(acme, info.id)).toHaveLength(transcript.length);
  });

  it('stops a loop at the session token budget, and refuses further turns', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', loopGraph({ maxTokensPerSession: 60 }));
    const { manager } = runner;
    const info = await manager.create(acme, { graphId: 'loop' });
    const ev = await listen(manager, acme, info.id);
    await manager.send(acme, info.id, { content: 'a poem' });
    await manager.settled(acme, info.id);
    expect(ev.of('turn_end')[0]).toMatchObject({ reason: 'token_budget' });
    const used = (await manager.get(acme, info.id)).usage;
    expect(used.promptTokens + used.completionTokens).toBeGreaterThanOrEqual(60);
    expect(used.estimated).toBe(true);
    await manager.send(acme, info.id, { content: 'again' });
    await manager.settled(acme, info.id);
    expect(ev.of('turn_end')[1]).toMatchObject({ reason: 'token_budget' });
  });

  it('ends a turn that runs past its wall time', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', { ...approvalGraph(), limits: { maxTurnMs: 150 } });
    const info = await runner.manager.create(acme, { graphId: 'approval' });
    const ev = await listen(runner.manager, acme, info.id);
    await runner.manager.send(acme, info.id, { content: 'slow' });
    await runner.manager.settled(acme, info.id);
    expect(ev.of('turn_end')).toEqual([expect.objectContaining({ reason: 'timeout' })]);
    expect((await runner.manager.get(acme, info.id)).state).toBe('idle');
  });

  it('stops agents that answer each other without yielding at the wall time', async () => {
    const { runner } = await setup();
    await putGraph(
      runner.store,
      'acme',
      loopGraph({ maxMessagesPerTurn: 100_000, maxTurnMs: 300, maxTokensPerSession: 1_000_000_000 }),
    );
    const info = await runner.manager.create(acme, { graphId: 'loop' });
    const ev = await listen(runner.manager, acme, info.id);
    await runner.manager.send(acme, info.id, { content: 'go' });
    await runner.manager.settled(acme, info.id);
    expect(ev.of('turn_end')).toEqual([expect.objectContaining({ reason: 'timeout' })]);
  }, 30_000);
});
