import { describe, expect, it } from 'vitest';
import { acme, echoGraph, putGraph, runnersPerTest } from './test-support.ts';

// The retention policy: old sessions pruned, transcripts trimmed.
const { setup } = runnersPerTest();

describe('SessionManager', () => {
  it('prunes old sessions by the retention policy', async () => {
    const { runner } = await setup({ retention: { maxSessionsPerTenant: 2 } });
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await manager.create(acme, { graphId: 'echo' })).id);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await manager.prune()).toBe(2);
    expect((await manager.list(acme)).map((s) => s.id).sort()).toEqual(ids.slice(2).sort());
    await expect(manager.get(acme, ids[0]!)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('trims transcripts to the retention limit', async () => {
    const { runner } = await setup({ retention: { maxTranscriptEntries: 4 } });
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const s = await manager.create(acme, { graphId: 'echo' });
    for (const m of ['a', 'b', 'c']) {
      await manager.send(acme, s.id, { content: m });
      await manager.settled(acme, s.id);
    }
    expect((await runner.store.getSession('acme', s.id))?.transcript.map((m) => m.content)).toEqual([
      'b',
      'echo: b',
      'c',
      'echo: c',
    ]);
  });
});
