import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelRegistry } from '../models/registry.ts';
import { graphNamespace } from '../agents/graph-names.ts';
import type { AgentEnv } from '../agents/env.ts';
import type { ModelSource } from './session-manager.ts';
import type { Caller } from './types.ts';
import {
  approvalGraph,
  echoGraph,
  gatherGraph,
  listen,
  loopGraph,
  memoryGraph,
  putGraph,
  startRunner,
  tempDataDir,
  type Runner,
} from './test-support.ts';
import { SessionWriter } from './session-writer.ts';

const acme: Caller = { tenant: 'acme', user: 'ann' };
const globex: Caller = { tenant: 'globex', user: 'gus' };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function setup(config: Parameters<typeof startRunner>[1] = {}): Promise<{ dir: string; runner: Runner }> {
  const data = await tempDataDir();
  cleanups.push(data.remove);
  const runner = startRunner(data.dir, config);
  cleanups.push(runner.stop);
  return { dir: data.dir, runner };
}

const waitFor = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

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

  it('keeps 50 concurrent sessions apart', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const sessions = await Promise.all(Array.from({ length: 50 }, () => manager.create(acme, { graphId: 'echo' })));
    await Promise.all(
      sessions.map(async (s, i) => {
        await manager.send(acme, s.id, { content: `first-${i}` });
        await manager.send(acme, s.id, { content: `second-${i}` });
        await manager.settled(acme, s.id);
      }),
    );
    for (const [i, s] of sessions.entries()) {
      const transcript = await manager.transcript(acme, s.id);
      expect(transcript.map((m) => m.content).sort()).toEqual([
        `echo: first-${i}`,
        `echo: second-${i}`,
        `first-${i}`,
        `second-${i}`,
      ]);
      expect(transcript.every((m) => m.sessionId === s.id && m.topic.source === s.id)).toBe(true);
      const turnOf = (content: string) => transcript.find((m) => m.content === content)?.turnId;
      expect(turnOf(`echo: first-${i}`)).toBe(turnOf(`first-${i}`));
      expect(turnOf(`echo: second-${i}`)).toBe(turnOf(`second-${i}`));
    }
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

  it("reports another tenant's session exactly like a missing one", async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    await putGraph(runner.store, 'globex', echoGraph());
    const { manager } = runner;
    const mine = await manager.create(acme, { graphId: 'echo' });
    await manager.send(acme, mine.id, { content: 'secret' });
    await manager.settled(acme, mine.id);
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const id of [mine.id, missing]) {
      const attempts = [
        manager.get(globex, id),
        manager.transcript(globex, id),
        manager.send(globex, id, { content: 'x' }),
        manager.subscribe(globex, id, () => undefined),
        manager.close(globex, id),
        manager.delete(globex, id),
        manager.abort(globex, id),
        manager.settled(globex, id),
      ];
      for (const attempt of attempts)
        await expect(attempt).rejects.toMatchObject({ code: 'not_found', message: `session "${id}" not found` });
    }
    expect(await manager.list(globex)).toEqual([]);
    expect((await manager.transcript(acme, mine.id)).map((m) => m.content)).toEqual(['secret', 'echo: secret']);
    await expect(manager.get(acme, '../../etc')).rejects.toMatchObject({ code: 'invalid' });
  });

  it('rejects a publish into another session or into a closed one', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager, runtime } = runner;
    const a = await manager.create(acme, { graphId: 'echo' });
    const b = await manager.create(acme, { graphId: 'echo' });
    await listen(manager, acme, a.id);
    await listen(manager, acme, b.id);
    const { AgentId } = await import('../runtime/ids.ts');
    const intruder = new AgentId(`${graphNamespace('acme', 'echo', 1)}.echo`, a.id);
    const message = { id: 'x', turnId: 't', role: 'assistant', content: 'leak', sender: 'echo' };
    await expect(
      runtime.publishMessage(message, { type: 'echo.out', source: b.id }, { sender: intruder }),
    ).rejects.toMatchObject({ code: 'isolation' });
    await manager.close(acme, b.id);
    await expect(
      runtime.publishMessage(message, { type: 'echo.in', source: b.id }, { sender: null }),
    ).rejects.toMatchObject({ code: 'session_closed' });
    expect(await manager.transcript(acme, b.id)).toEqual([]);
  });

  it('gives agents long-term memory per tenant and user', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', memoryGraph());
    await putGraph(runner.store, 'globex', memoryGraph());
    const { manager } = runner;
    const s = await manager.create(acme, { graphId: 'memo' });
    await manager.send(acme, s.id, { content: 'remember blue' });
    await manager.settled(acme, s.id);
    expect(await runner.store.getMemory('acme', 'ann')).toEqual({ color: 'from-rule' });
    expect(await runner.store.getMemory('acme', 'bob')).toEqual({});
    expect(await runner.store.getMemory('globex', 'ann')).toEqual({});
  });

  it('hands agents the tenant credentials from config only', async () => {
    const data = await tempDataDir();
    cleanups.push(data.remove);
    const seen: Array<[string, string | undefined, string | undefined]> = [];
    const registry = new ModelRegistry({});
    const models: ModelSource = {
      get: (tenant, def, credential) => {
        seen.push([tenant, credential('API'), credential('OTHER')]);
        return registry.get(tenant, def, credential);
      },
    };
    const runner = startRunner(
      data.dir,
      { credentials: { acme: { API: 'acme-secret' }, globex: { API: 'globex-secret' } } },
      models,
    );
    cleanups.push(runner.stop);
    await putGraph(runner.store, 'acme', echoGraph());
    process.env.OTHER = 'from-env';
    try {
      const s = await runner.manager.create(acme, { graphId: 'echo' });
      await runner.manager.send(acme, s.id, { content: 'hi' });
      await runner.manager.settled(acme, s.id);
    } finally {
      delete process.env.OTHER;
    }
    expect(seen[0]).toEqual(['acme', 'acme-secret', undefined]);
  });

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
