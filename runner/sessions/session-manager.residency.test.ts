import { describe, expect, it } from 'vitest';
import { acme, echoGraph, listen, putGraph, runnersPerTest, waitFor } from './test-support.ts';

// Sessions in memory: freed when idle, paged out, with only the end of a transcript kept.
const { setup } = runnersPerTest();

describe('SessionManager', () => {
  it('frees agent instances after the idle timeout and restores them on the next message', async () => {
    const { runner } = await setup({ idleTimeoutMs: 100 });
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const sessions = await Promise.all(Array.from({ length: 5 }, () => manager.create(acme, { graphId: 'echo' })));
    const offs = await Promise.all(sessions.map((s) => listen(manager, acme, s.id)));
    for (const s of sessions) {
      await manager.send(acme, s.id, { content: 'hi' });
      await manager.settled(acme, s.id);
    }
    expect(manager.stats().instances).toBeGreaterThan(0);
    await waitFor(() => expect(manager.stats()).toEqual({ liveSessions: 0, instances: 0, queueDepth: 0 }));
    await manager.send(acme, sessions[0]!.id, { content: 'back' });
    await manager.settled(acme, sessions[0]!.id);
    expect((await manager.transcript(acme, sessions[0]!.id)).at(-1)?.content).toBe('echo: back');
    for (const o of offs) o.off();
  });

  it('pages out sessions nobody listens to and holds no instances for them', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await manager.create(acme, { graphId: 'echo' });
      await manager.send(acme, s.id, { content: `m${i}` });
      await manager.settled(acme, s.id);
      ids.push(s.id);
    }
    await waitFor(() => expect(manager.stats()).toEqual({ liveSessions: 0, instances: 0, queueDepth: 0 }));
    expect((await manager.transcript(acme, ids[7]!)).map((m) => m.content)).toEqual(['m7', 'echo: m7']);
  });

  it('keeps only the end of a long transcript in memory, and still serves all of it', async () => {
    const { runner } = await setup({ retention: { maxTranscriptEntries: 500 } });
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const s = await manager.create(acme, { graphId: 'echo' });
    await manager.subscribe(acme, s.id, () => undefined); // a listener keeps it in memory
    const sent: string[] = [];
    for (let i = 0; i < 300; i++) {
      sent.push(`m${i}`);
      await manager.send(acme, s.id, { content: `m${i}` });
      await manager.settled(acme, s.id);
    }
    const live = (
      manager as unknown as { live: Map<string, { transcript: unknown[]; transcriptOffset: number }> }
    ).live.get(s.id)!;
    expect(live.transcript.length).toBeLessThan(300);
    expect(live.transcriptOffset).toBeGreaterThan(0);
    const kept = sent.slice(-250);
    const users = (messages: { sender: string; content: string }[]) =>
      messages.filter((m) => m.sender === 'user').map((m) => m.content);
    // the retention limit (500 entries) reaches back before the window: read from the store
    expect(users(await manager.transcript(acme, s.id))).toEqual(kept);
    expect(users((await runner.store.getSession('acme', s.id))!.transcript)).toEqual(kept);
    const all = await manager.transcript(acme, s.id);
    const old = all[10]!;
    expect((await manager.transcript(acme, s.id, { afterMessageId: old.id })).map((m) => m.id)).toEqual(
      all.slice(11).map((m) => m.id),
    );
    // and a recent id is answered from memory
    expect(await manager.transcript(acme, s.id, { afterMessageId: all.at(-2)!.id })).toEqual([all.at(-1)]);
  });
});
