import { afterEach, describe, expect, it } from 'vitest';
import type { GraphInput } from '../../schemas/graph.ts';
import { LowdbStore } from '../store/lowdb-store.ts';
import { echoGraph, putGraph, startRunner, tempDataDir } from './test-support.ts';
import type { Caller } from './types.ts';
import { recordWrite } from '../store/session-write.ts';

const ann: Caller = { tenant: 'acme', user: 'ann' };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

/** echo, plus a greeter that answers the start topic with what it was told. */
function greetingGraph(): GraphInput {
  const graph = echoGraph('greet');
  return {
    ...graph,
    models: [...graph.models!, { id: 'g', provider: 'scripted', fallback: 'welcome: {input}' }],
    agents: [
      ...graph.agents,
      { id: 'greeter', type: 'greeter', kind: 'assistant', config: { model: 'g', stream: false } },
    ],
    topics: [...graph.topics, { id: 'hello', type: 'greet.hello' }],
    subscriptions: [...graph.subscriptions, { id: 's2', topic: 'hello', agent: 'greeter' }],
    publications: [...graph.publications, { id: 'p2', agent: 'greeter', topic: 'out' }],
    start: 'hello',
  };
}

async function setup() {
  const data = await tempDataDir();
  cleanups.push(data.remove);
  const runner = startRunner(data.dir);
  cleanups.push(runner.stop);
  await putGraph(runner.store, 'acme', greetingGraph());
  return { dir: data.dir, runner };
}

describe('the session-start message', () => {
  it("is the session's first turn: published on the start topic with the session id as source", async () => {
    const { runner } = await setup();
    const info = await runner.manager.create(ann, { graphId: 'greet', context: { plan: 'pro' } });
    expect(info.state).toBe('running');
    await runner.manager.settled(ann, info.id);
    const [start, greeting, ...rest] = await runner.manager.transcript(ann, info.id);
    expect(rest).toEqual([]);
    expect(start).toMatchObject({
      sender: 'session',
      role: 'system',
      topic: { type: 'greet.hello', source: info.id },
      recipients: ['greeter'],
    });
    expect(JSON.parse(start!.content)).toEqual({
      event: 'session_start',
      sessionId: info.id,
      user: 'ann',
      tenant: 'acme',
      time: new Date(info.createdAt).toISOString(),
      context: { plan: 'pro' },
    });
    expect(greeting).toMatchObject({
      sender: 'greeter',
      turnId: start!.turnId,
      output: true,
      content: `welcome: ${start!.content}`,
    });
    expect(await runner.manager.get(ann, info.id)).toMatchObject({ state: 'idle', turns: 1 });
  });

  it('names the default user when the session has none', async () => {
    const { runner } = await setup();
    const info = await runner.manager.create({ tenant: 'acme' }, { graphId: 'greet' });
    await runner.manager.settled({ tenant: 'acme' }, info.id);
    const [start] = await runner.manager.transcript({ tenant: 'acme' }, info.id);
    expect(JSON.parse(start!.content)).toMatchObject({ user: 'anonymous' });
    expect(JSON.parse(start!.content)).not.toHaveProperty('context');
  });

  it('runs once across a stop and a restart (a resumed start turn is not answered twice)', async () => {
    const { dir, runner } = await setup();
    // Stopped at once: the start turn finishes within the grace period or is checkpointed for the next runner.
    const info = await runner.manager.create(ann, { graphId: 'greet' });
    await runner.stop();
    const next = startRunner(dir);
    cleanups.push(next.stop);
    await next.manager.resumeInterrupted(['acme']);
    await next.manager.settled(ann, info.id);
    const transcript = await next.manager.transcript(ann, info.id);
    expect(transcript.filter((m) => m.sender === 'greeter')).toHaveLength(1);
    expect(await next.manager.get(ann, info.id)).toMatchObject({ state: 'idle' });
  });

  it('left in the inbox by a crash, runs after the restart', async () => {
    const { dir, runner } = await setup();
    const info = await runner.manager.create(ann, { graphId: 'greet' });
    await runner.manager.settled(ann, info.id);
    const record = (await runner.store.getSession('acme', info.id))!;
    await runner.stop();
    // What a crash right after the acknowledgement leaves: the start message stored, queued, not answered.
    const [start] = record.transcript;
    const crashed = new LowdbStore(dir);
    await crashed.putSession(
      recordWrite({
        ...record,
        info: { ...record.info, state: 'running', turns: 0 },
        transcript: [start!],
        inbox: [{ messageId: start!.id, turnId: start!.turnId, content: start!.content, start: true }],
        snapshot: undefined,
      }),
    );
    await crashed.close();

    const next = startRunner(dir);
    cleanups.push(next.stop);
    expect(await next.manager.resumeInterrupted(['acme'])).toBe(1);
    await next.manager.settled(ann, info.id);
    const transcript = await next.manager.transcript(ann, info.id);
    expect(transcript.map((m) => m.sender)).toEqual(['session', 'greeter']);
    expect(transcript[1]).toMatchObject({ turnId: start!.turnId, content: `welcome: ${start!.content}` });
  });

  it('refuses a context that is not a small flat object, and stores nothing', async () => {
    const { runner } = await setup();
    await expect(
      runner.manager.create(ann, { graphId: 'greet', context: { notes: 'x'.repeat(5000) } }),
    ).rejects.toMatchObject({
      code: 'invalid',
      message: 'context: must be at most 4000 characters as JSON',
    });
    await expect(runner.manager.create(ann, { graphId: 'greet', context: [1] as never })).rejects.toMatchObject({
      code: 'invalid',
      details: { field: 'context' },
    });
    expect(await runner.manager.list(ann)).toEqual([]);
  });

  it('leaves a graph without a start topic idle until the user speaks', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const info = await runner.manager.create(ann, { graphId: 'echo', context: { plan: 'pro' } });
    expect(info.state).toBe('idle');
    expect(await runner.manager.transcript(ann, info.id)).toEqual([]);
  });
});
