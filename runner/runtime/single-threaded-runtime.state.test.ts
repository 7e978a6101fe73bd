import { describe, expect, it } from 'vitest';
import { AgentId, TopicId } from './ids.ts';
import { SingleThreadedAgentRuntime } from './single-threaded-runtime.ts';
import { TypeSubscription } from './subscriptions.ts';
import { DeliveryLog, RecordingAgent, tick } from './test-support.ts';
import type { KeySnapshot } from './types.ts';

/** A runtime with agents a and b on topic "t", both counting what they handle. */
function setup(behaviour?: ConstructorParameters<typeof RecordingAgent>[2]) {
  const runtime = new SingleThreadedAgentRuntime();
  const log = new DeliveryLog();
  const made: RecordingAgent[] = [];
  for (const type of ['a', 'b']) {
    runtime.registerFactory(type, (id) => {
      const agent = new RecordingAgent(id, log, behaviour);
      made.push(agent);
      return agent;
    });
    runtime.addSubscription(new TypeSubscription('t', type));
  }
  return { runtime, log, made };
}

async function publishTo(runtime: SingleThreadedAgentRuntime, key: string, n: number) {
  for (let i = 0; i < n; i++) await runtime.publishMessage(i, new TopicId('t', key));
  await runtime.idle();
}

describe('state', () => {
  it('round-trips the whole runtime, creating agents lazily on load', async () => {
    const first = setup();
    await publishTo(first.runtime, 's1', 2);
    await publishTo(first.runtime, 's2', 1);
    const state = await first.runtime.saveState();
    expect(state).toEqual({ 'a/s1': { count: 2 }, 'b/s1': { count: 2 }, 'a/s2': { count: 1 }, 'b/s2': { count: 1 } });

    const second = setup();
    await second.runtime.loadState(JSON.parse(JSON.stringify({ ...state, 'unregistered/s1': { count: 9 } })));
    expect(second.runtime.liveInstances()).toBe(4);
    expect(await second.runtime.saveState()).toEqual(state);
  });

  it('saves and loads one agent', async () => {
    const { runtime } = setup();
    await publishTo(runtime, 'k', 3);
    expect(await runtime.agentSaveState(new AgentId('a', 'k'))).toEqual({ count: 3 });
    await runtime.agentLoadState(new AgentId('a', 'k'), { count: 10 });
    await publishTo(runtime, 'k', 1);
    expect(await runtime.agentSaveState(new AgentId('a', 'k'))).toEqual({ count: 11 });
    await expect(runtime.agentSaveState(new AgentId('ghost', 'k'))).rejects.toThrow(/Recipient not found/);
  });

  it('rejects malformed state with a clear error', async () => {
    const { runtime } = setup();
    await expect(runtime.loadState([] as never)).rejects.toThrow(/runtime state must be an object/);
    await expect(runtime.loadState({ 'no-slash': 1 })).rejects.toThrow(/invalid agent id "no-slash"/);
  });

  it('waits for a running handler before snapshotting, so the cut is consistent', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { runtime } = setup(async (m) => {
      if (m === 'slow') await gate;
    });
    await runtime.publishMessage('slow', new TopicId('t', 'k'));
    await tick();
    let snapshot: KeySnapshot | undefined;
    const saving = runtime.saveKey('k').then((s) => (snapshot = s));
    await tick();
    expect(snapshot).toBeUndefined();
    release();
    await saving;
    expect(snapshot!.agents).toEqual({ 'a/k': { count: 1 }, 'b/k': { count: 1 } });
    expect(snapshot!.pending).toEqual([]);
  });

  it('refuses a key snapshot from inside a handler of that key instead of deadlocking', async () => {
    const { runtime } = setup();
    let outcome: unknown;
    runtime.registerFactory('saver', (id) => ({
      id,
      onMessage: async (_m, ctx) => {
        outcome = await ctx.runtime.saveKey(id.key).catch((e: Error) => e.message);
      },
    }));
    await runtime.sendMessage('x', new AgentId('saver', 'k'));
    expect(outcome).toMatch(/saveKey cannot run inside a handler of key "k"/);
  });

  it('lets work a handler left behind snapshot its key once the handler returned', async () => {
    const { runtime } = setup();
    let later!: Promise<KeySnapshot>;
    runtime.registerFactory('spawner', (id) => ({
      id,
      onMessage: (_m, ctx) => {
        // The instance's runtime, kept past the handler's return: no deadlock to fear.
        later = new Promise((resolve, reject) =>
          setTimeout(() => ctx.runtime.saveKey(id.key).then(resolve, reject), 5),
        );
      },
    }));
    await runtime.sendMessage('x', new AgentId('spawner', 'k'));
    await expect(later).resolves.toMatchObject({ key: 'k' });
  });

  it('still answers the sends a running handler awaits while a snapshot waits', async () => {
    const { runtime } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    runtime.registerFactory('helper', (id) => ({ id, onMessage: (m) => `done ${m}` }));
    runtime.registerFactory('boss', (id) => ({
      id,
      onMessage: async (_m, ctx) => {
        await gate;
        return ctx.runtime.sendMessage('job', new AgentId('helper', 'k'));
      },
    }));
    const answer = runtime.sendMessage('go', new AgentId('boss', 'k'));
    await tick();
    const saving = runtime.saveKey('k');
    await tick();
    release();
    await expect(answer).resolves.toBe('done job');
    await expect(saving).resolves.toMatchObject({ key: 'k' });
  });
});

describe('per-key snapshots', () => {
  it('snapshots one key with its undelivered messages and restores them into a fresh runtime', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = setup(async (m, _c, self) => {
      if (m === 'hold' && self.id.type === 'a') await gate;
    });
    await publishTo(first.runtime, 'other', 1);
    await first.runtime.publishMessage('hold', new TopicId('t', 'k'), { messageId: 'm0' });
    await first.runtime.publishMessage('p1', new TopicId('t', 'k'), {
      messageId: 'm1',
      sender: new AgentId('user', 'k'),
    });
    await first.runtime.publishMessage('p2', new TopicId('t', 'k'), { messageId: 'm2' });
    await tick();
    // a/k is stuck on "hold"; b/k has handled everything. Take the snapshot once "hold" is done
    // but before a/k picks up p1: saveKey waits for the running handler, then freezes the key.
    const saving = first.runtime.saveKey('k');
    release();
    const snapshot = await saving;
    expect(snapshot.key).toBe('k');
    expect(snapshot.agents).toEqual({ 'a/k': { count: 1 }, 'b/k': { count: 3 } });
    expect(snapshot.pending).toEqual([
      { topic: 't/k', message: 'p1', sender: 'user/k', messageId: 'm1', recipients: ['a/k'] },
      { topic: 't/k', message: 'p2', sender: null, messageId: 'm2', recipients: ['a/k'] },
    ]);
    await first.runtime.idle();

    const second = setup();
    await second.runtime.loadKey(JSON.parse(JSON.stringify(snapshot)));
    await second.runtime.idle();
    expect(second.log.of('a/k')).toEqual(['p1', 'p2']);
    expect(second.log.of('b/k')).toEqual([]);
    expect(second.log.deliveries[0].ctx).toMatchObject({
      messageId: 'm1',
      sender: new AgentId('user', 'k'),
      topicId: new TopicId('t', 'k'),
    });
    expect(await second.runtime.saveKey('k')).toEqual({
      key: 'k',
      agents: { 'a/k': { count: 3 }, 'b/k': { count: 3 } },
      pending: [],
    });
    expect(second.runtime.liveInstances('other')).toBe(0);
  });

  it('routes restored messages without recipients by the current subscriptions', async () => {
    const { runtime, log } = setup();
    await runtime.loadKey({
      key: 'k',
      agents: {},
      pending: [{ topic: 't/k', message: 'x', sender: 'a/k', messageId: 'm' }],
    });
    await runtime.idle();
    expect(log.agents()).toEqual(['b/k']);
  });

  it('validates a snapshot and names the bad field', async () => {
    const { runtime } = setup();
    await expect(runtime.loadKey({ key: 'k', agents: { 'a/other': {} }, pending: [] })).rejects.toThrow(
      'agents["a/other"] belongs to key "other", not "k"',
    );
    await expect(
      runtime.loadKey({ key: 'k', agents: {}, pending: [{ topic: 't/x', message: 1, sender: null, messageId: 'm' }] }),
    ).rejects.toThrow('pending[0].topic "t/x" belongs to source "x", not "k"');
    await expect(runtime.loadKey({ key: 'k', agents: {}, pending: {} } as never)).rejects.toThrow(
      'snapshot.pending must be an array',
    );
    await expect(
      runtime.loadKey({
        key: 'k',
        agents: {},
        pending: [{ topic: 't/k', message: 1, sender: null, messageId: 'm', recipients: ['a/x'] }],
      }),
    ).rejects.toThrow('pending[0].recipients names "a/x"');
    await expect(
      runtime.loadKey({
        key: 'k',
        agents: {},
        pending: [{ topic: 't/k', message: { f: () => 1 }, sender: null, messageId: 'm' }],
      }),
    ).rejects.toThrow('loadKey: pending[0].message: message is not plain data: a function at $.f');
    expect(runtime.liveInstances()).toBe(0);
  });

  it('returns an empty snapshot for an unknown key', async () => {
    const { runtime } = setup();
    expect(await runtime.saveKey('nobody')).toEqual({ key: 'nobody', agents: {}, pending: [] });
    expect(runtime.liveInstances()).toBe(0);
  });
});

describe('closeKey', () => {
  it('drops every instance, queued message and cache entry of one key, and nothing else', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { runtime, made, log } = setup(async (m) => {
      if (m === 'hold') await gate;
    });
    await publishTo(runtime, 'keep', 1);
    await runtime.publishMessage('hold', new TopicId('t', 'gone'));
    await runtime.publishMessage('never', new TopicId('t', 'gone'));
    const pendingSend = runtime.sendMessage('never', new AgentId('a', 'gone'));
    await tick();
    expect(runtime.liveInstances('gone')).toBe(2);
    await runtime.closeKey('gone');
    await expect(pendingSend).rejects.toThrow('key "gone" was closed');
    release();
    await runtime.idle();
    expect(runtime.liveInstances('gone')).toBe(0);
    expect(runtime.queueDepth('gone')).toBe(0);
    expect(runtime.liveInstances()).toBe(2);
    expect(made.filter((a) => a.id.key === 'gone').every((a) => a.closed)).toBe(true);
    expect(log.of('a/gone')).toEqual(['hold']);
    // Nothing of the key is left in the runtime's maps or caches.
    const internals = runtime as unknown as {
      keys: Map<string, unknown>;
      subscriptions: { byTopicType: Map<string, unknown> };
    };
    expect([...internals.keys.keys()]).toEqual(['keep']);
    expect([...internals.subscriptions.byTopicType.keys()]).toEqual(['t']);
  });

  it('leaves zero instances after closing every key, and a closed key starts fresh', async () => {
    const { runtime, log } = setup();
    for (const key of ['k1', 'k2', 'k3']) await publishTo(runtime, key, 2);
    expect(runtime.liveInstances()).toBe(6);
    for (const key of ['k1', 'k2', 'k3']) await runtime.closeKey(key);
    expect(runtime.liveInstances()).toBe(0);
    expect((runtime as unknown as { keys: Map<string, unknown> }).keys.size).toBe(0);
    await publishTo(runtime, 'k1', 1);
    expect(await runtime.agentSaveState(new AgentId('a', 'k1'))).toEqual({ count: 1 });
    expect(log.deliveries).toHaveLength(14);
  });

  it("silences what a closed key's running handler still publishes", async () => {
    const runtime = new SingleThreadedAgentRuntime();
    const log = new DeliveryLog();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    runtime.registerFactory('talker', (id) => ({
      id,
      onMessage: async (_m, ctx) => {
        await gate;
        await ctx.runtime.publishMessage('late', { type: 'out' });
      },
    }));
    runtime.registerFactory('listener', (id) => new RecordingAgent(id, log));
    runtime.addSubscription(new TypeSubscription('in', 'talker'));
    runtime.addSubscription(new TypeSubscription('out', 'listener'));
    await runtime.publishMessage('go', new TopicId('in', 'k'));
    await tick();
    await runtime.closeKey('k');
    release();
    await tick(5);
    await runtime.idle();
    expect(log.deliveries).toEqual([]);
    expect(runtime.liveInstances()).toBe(0);
  });

  it('lets a handler close its own key', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    runtime.registerFactory('terminator', (id) => ({ id, onMessage: (_m, ctx) => ctx.runtime.closeKey(id.key) }));
    runtime.addSubscription(new TypeSubscription('end', 'terminator'));
    await runtime.publishMessage('bye', new TopicId('end', 'k'));
    await runtime.idle();
    await tick();
    expect(runtime.liveInstances()).toBe(0);
  });

  it('closes an agent whose async factory finishes after its key was closed', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    const log = new DeliveryLog();
    let finish!: () => void;
    const made: RecordingAgent[] = [];
    runtime.registerFactory('slow', async (id) => {
      await new Promise<void>((r) => (finish = r));
      const agent = new RecordingAgent(id, log);
      made.push(agent);
      return agent;
    });
    runtime.addSubscription(new TypeSubscription('t', 'slow'));
    await runtime.publishMessage('m', new TopicId('t', 'k'));
    await tick();
    await runtime.closeKey('k');
    finish();
    await tick();
    expect(made[0].closed).toBe(true);
    expect(log.deliveries).toEqual([]);
    expect(runtime.liveInstances()).toBe(0);
  });

  it('keeps its counters right when an error listener closes the failing key', async () => {
    const { runtime } = setup(async (m) => {
      if (m === 'fail') throw new Error('give up');
    });
    runtime.onHandlerError((e) => void runtime.closeKey(e.agent.key));
    await runtime.publishMessage('fail', new TopicId('t', 'k'));
    await runtime.publishMessage('next', new TopicId('t', 'k'));
    await runtime.idle();
    await tick();
    expect(runtime.queueDepth()).toBe(0);
    expect(runtime.liveInstances()).toBe(0);
    await publishTo(runtime, 'k', 1);
    expect(runtime.liveInstances()).toBe(2);
    expect(runtime.queueDepth()).toBe(0);
  });

  it('resolves idle waiters of the closed key', async () => {
    const { runtime } = setup(() => new Promise(() => {}));
    await runtime.publishMessage('forever', new TopicId('t', 'k'));
    await tick();
    const idle = runtime.idle('k');
    await runtime.closeKey('k');
    await idle;
    await runtime.idle();
    expect(runtime.liveInstances()).toBe(0);
  });
});
