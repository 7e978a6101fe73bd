import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SessionWriter } from './session-writer.ts';
import {
  acme,
  approvalGraph,
  echoGraph,
  listen,
  putGraph,
  runnersPerTest,
  startRunner,
  tempDataDir,
  waitFor,
} from './test-support.ts';

// What is stored when: accepted messages, turn ends, checkpoints, restarts, corrupt files.
const { cleanups, setup } = runnersPerTest();

describe('SessionManager', () => {
  it('persists an accepted message before acknowledging it', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', approvalGraph());
    const info = await runner.manager.create(acme, { graphId: 'approval' });
    const { messageId } = await runner.manager.send(acme, info.id, { content: 'ship it?', messageId: 'client-7' });
    expect(messageId).toBe('client-7');
    const stored = await runner.store.getSession('acme', info.id);
    expect(stored?.acceptedMessageIds).toEqual(['client-7']);
    expect(stored?.inbox?.map((i) => i.messageId)).toEqual([messageId]);
    expect(stored?.transcript.map((m) => m.content)).toEqual(['ship it?']);
  });

  it("lets a turn's end wait for the session's next write (coalesce) only when no message is queued behind it", async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', approvalGraph());
    const { manager } = runner;
    const writes: Array<{ turns: number; queued: number; coalesce: boolean }> = [];
    const persist = SessionWriter.prototype.persist;
    vi.spyOn(SessionWriter.prototype, 'persist').mockImplementation(function (this: SessionWriter, s, coalesce) {
      writes.push({ turns: s.info.turns, queued: s.inbox.length, coalesce: coalesce ?? false });
      return persist.call(this, s, coalesce);
    });
    const info = await manager.create(acme, { graphId: 'approval' });
    const ev = await listen(manager, acme, info.id);
    await manager.send(acme, info.id, { content: 'one' });
    await manager.send(acme, info.id, { content: 'two' });
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(1));
    await manager.reply(acme, info.id, ev.of('input_request')[0]!.requestId, 'yes to one');
    await waitFor(() => expect(ev.of('input_request')).toHaveLength(2));
    await manager.reply(acme, info.id, ev.of('input_request')[1]!.requestId, 'yes to two');
    await manager.settled(acme, info.id);
    // A turn's end is the first write to count it. The first one has "two" behind it: written at
    // once, so the next turn starts at once. The second has nothing behind it: it may wait.
    expect(writes.find((w) => w.turns === 1)).toEqual({ turns: 1, queued: 1, coalesce: false });
    expect(writes.find((w) => w.turns === 2)).toEqual({ turns: 2, queued: 0, coalesce: true });
    expect(writes.filter((w) => w.coalesce)).toHaveLength(1);
  });

  it("saves a turn's end again when its save failed, so the store does not keep the session running", async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager, store } = runner;
    const put = store.putSession.bind(store);
    let refused = 0;
    vi.spyOn(store, 'putSession').mockImplementation((write) => {
      // The store is down just for the turn's end, the first write that counts the turn.
      if (write.info.turns === 1 && refused++ === 0) return Promise.reject(new Error('the store is down'));
      return put(write);
    });
    const info = await manager.create(acme, { graphId: 'echo' });
    await manager.send(acme, info.id, { content: 'hello' });
    // Nobody listens and pageOutMs is 0: only the runner writing again brings the store up to date.
    await waitFor(async () =>
      expect((await store.getSession('acme', info.id))?.info).toMatchObject({ state: 'idle', turns: 1 }),
    );
    expect(refused).toBeGreaterThan(0);
    const stored = await store.getSession('acme', info.id);
    expect(stored?.inbox ?? []).toEqual([]);
    // The turn ran once: one answer.
    expect(stored?.transcript.map((m) => m.content)).toEqual(['hello', 'echo: hello']);
    expect(await manager.get(acme, info.id)).toMatchObject({ state: 'idle', turns: 1 });
  });

  it('writes a session read back from the store as a change of what it read, not whole', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager, store } = runner;
    const info = await manager.create(acme, { graphId: 'echo' });
    await manager.send(acme, info.id, { content: 'one' });
    await manager.settled(acme, info.id);
    // Nobody listens: the session left memory after its turn, and comes back from the store.
    const writes = vi.spyOn(store, 'putSession');
    await manager.send(acme, info.id, { content: 'two' });
    await manager.settled(acme, info.id);
    const [accept, end] = writes.mock.calls.map(([w]) => w);
    expect(accept).toMatchObject({ snapshot: { kind: 'unchanged' }, base: expect.any(String) });
    expect(end).toMatchObject({ snapshot: { kind: 'change' }, base: accept!.revision });
    const stored = await store.getSession('acme', info.id);
    expect(stored?.transcript.map((m) => m.content)).toEqual(['one', 'echo: one', 'two', 'echo: two']);
    expect(JSON.stringify(stored?.snapshot)).toContain('two');
  });

  it('checkpoints a turn while it runs', async () => {
    const { runner } = await setup({ checkpointEveryMs: 50 });
    await putGraph(runner.store, 'acme', approvalGraph());
    const info = await runner.manager.create(acme, { graphId: 'approval' });
    const ev = await listen(runner.manager, acme, info.id);
    await runner.manager.send(acme, info.id, { content: 'go' });
    // The accepted message is stored with the session running, so a restart resumes its turn.
    expect((await runner.store.getSession('acme', info.id))?.info.state).toBe('running');
    await waitFor(async () =>
      expect((await runner.store.getSession('acme', info.id))?.info.state).toBe('waiting_input'),
    );
    await runner.manager.reply(acme, info.id, ev.of('input_request')[0]!.requestId, 'done');
    await runner.manager.settled(acme, info.id);
    expect((await runner.store.getSession('acme', info.id))?.info.state).toBe('idle');
  });

  it('resumes sessions after a restart where they were', async () => {
    const data = await tempDataDir();
    cleanups.push(data.remove);
    const first = startRunner(data.dir);
    await putGraph(first.store, 'acme', echoGraph());
    await putGraph(first.store, 'acme', approvalGraph());
    const echo = await first.manager.create(acme, { graphId: 'echo' });
    await first.manager.send(acme, echo.id, { content: 'before restart' });
    await first.manager.settled(acme, echo.id);
    const waiting = await first.manager.create(acme, { graphId: 'approval' });
    const ev1 = await listen(first.manager, acme, waiting.id);
    const pending = await first.manager.send(acme, waiting.id, { content: 'approve during restart?' });
    await waitFor(() => expect(ev1.of('input_request')).toHaveLength(1));
    await first.manager.send(acme, waiting.id, { content: 'queued behind it' });
    await first.stop();

    const second = startRunner(data.dir);
    cleanups.push(second.stop);
    expect((await second.manager.transcript(acme, echo.id)).map((m) => m.content)).toEqual([
      'before restart',
      'echo: before restart',
    ]);
    await second.manager.send(acme, echo.id, { content: 'after restart' });
    await second.manager.settled(acme, echo.id);
    expect((await second.manager.get(acme, echo.id)).turns).toBe(2);
    expect((await second.manager.transcript(acme, echo.id)).map((m) => m.content).slice(2)).toEqual([
      'after restart',
      'echo: after restart',
    ]);

    // the interrupted turn asks again, then the queued message gets its own turn
    const ev2 = await listen(second.manager, acme, waiting.id);
    await waitFor(() => expect(ev2.of('input_request')).toHaveLength(1));
    expect(ev2.of('input_request')[0]).toMatchObject({ turnId: pending.turnId });
    await second.manager.reply(acme, waiting.id, ev2.of('input_request')[0]!.requestId, 'approved late');
    await waitFor(() => expect(ev2.of('input_request')).toHaveLength(2));
    await second.manager.reply(acme, waiting.id, ev2.of('input_request')[1]!.requestId, 'second ok');
    await second.manager.settled(acme, waiting.id);
    expect((await second.manager.transcript(acme, waiting.id)).filter((m) => m.output).map((m) => m.content)).toEqual([
      'approved late',
      'second ok',
    ]);
  });

  it('reports a corrupt session file as an error without crashing', async () => {
    const { dir, runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const s = await manager.create(acme, { graphId: 'echo' });
    await waitFor(() => expect(manager.stats().liveSessions).toBe(0));
    await runner.store.flush(); // the session's own file, not only the journal
    await writeFile(join(dir, 'tenants', 'acme', 'sessions', `${s.id}.json`), '{ not json');
    await expect(manager.get(acme, s.id)).rejects.toMatchObject({ code: 'corrupt_record' });
    await expect(manager.send(acme, s.id, { content: 'x' })).rejects.toMatchObject({ code: 'corrupt_record' });
    const other = await manager.create(acme, { graphId: 'echo' });
    await manager.send(acme, other.id, { content: 'still works' });
    await manager.settled(acme, other.id);
    expect((await manager.transcript(acme, other.id)).at(-1)?.content).toBe('echo: still works');
  });

  it('checkpoints a running turn on shutdown and refuses new work', async () => {
    const data = await tempDataDir();
    cleanups.push(data.remove);
    const runner = startRunner(data.dir, { shutdownGraceMs: 50 });
    await putGraph(runner.store, 'acme', approvalGraph());
    const s = await runner.manager.create(acme, { graphId: 'approval' });
    const { messageId } = await runner.manager.send(acme, s.id, { content: 'pending' });
    await runner.stop();
    const stored = await runner.store.getSession('acme', s.id);
    expect(stored?.inbox?.map((i) => i.messageId)).toEqual([messageId]);
    await expect(runner.manager.create(acme, { graphId: 'approval' })).rejects.toMatchObject({ code: 'shutting_down' });
  });
});
