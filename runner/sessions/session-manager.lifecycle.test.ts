import { describe, expect, it } from 'vitest';
import { acme, echoGraph, listen, putGraph, runnersPerTest } from './test-support.ts';

// Creating, pinning, closing and deleting sessions, and what a message may be.
const { setup } = runnersPerTest();

describe('SessionManager', () => {
  it('refuses drafts, invalid graphs and missing graphs with clear errors', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph('drafty'), 1, true);
    await expect(runner.manager.create(acme, { graphId: 'drafty' })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('only draft'),
    });
    await expect(runner.manager.create(acme, { graphId: 'drafty', version: 1 })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('draft'),
    });
    await expect(runner.manager.create(acme, { graphId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    const broken = { ...echoGraph('broken'), entry: 'missing-topic' };
    await runner.store.putGraph({
      tenant: 'acme',
      id: 'broken',
      version: 1,
      draft: false,
      updatedAt: 0,
      graph: broken as never,
    });
    await expect(runner.manager.create(acme, { graphId: 'broken' })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('not valid'),
    });
  });

  it('pins a session to its graph version while the graph is updated', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph('echo', 'v1: {input}'), 1);
    const old = await runner.manager.create(acme, { graphId: 'echo' });
    await putGraph(runner.store, 'acme', echoGraph('echo', 'v2: {input}'), 2);
    const fresh = await runner.manager.create(acme, { graphId: 'echo' });
    expect([old.graphVersion, fresh.graphVersion]).toEqual([1, 2]);
    for (const s of [old, fresh]) {
      await runner.manager.send(acme, s.id, { content: 'x' });
      await runner.manager.settled(acme, s.id);
    }
    expect((await runner.manager.transcript(acme, old.id)).at(-1)?.content).toBe('v1: x');
    expect((await runner.manager.transcript(acme, fresh.id)).at(-1)?.content).toBe('v2: x');
  });

  it('closes and deletes sessions', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const info = await manager.create(acme, { graphId: 'echo' });
    const ev = await listen(manager, acme, info.id);
    await manager.send(acme, info.id, { content: 'hi' });
    await manager.settled(acme, info.id);
    await manager.close(acme, info.id);
    expect(ev.of('session').at(-1)?.state).toBe('closed');
    expect(manager.stats().instances).toBe(0);
    expect((await manager.get(acme, info.id)).state).toBe('closed');
    await expect(manager.send(acme, info.id, { content: 'more' })).rejects.toMatchObject({ code: 'session_closed' });
    expect((await manager.transcript(acme, info.id)).map((m) => m.content)).toEqual(['hi', 'echo: hi']);
    await manager.delete(acme, info.id);
    await expect(manager.get(acme, info.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await runner.store.getSession('acme', info.id)).toBeUndefined();
  });

  it('validates message input with clear errors', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const s = await runner.manager.create(acme, { graphId: 'echo' });
    await expect(runner.manager.send(acme, s.id, { content: '' })).rejects.toMatchObject({
      code: 'invalid',
      details: { field: 'content' },
    });
    await expect(runner.manager.send(acme, s.id, { content: 'x'.repeat(40_000) })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(runner.manager.send(acme, s.id, { content: 'x', messageId: 'a/b' })).rejects.toMatchObject({
      code: 'invalid',
      details: { field: 'messageId' },
    });
  });
});
