import { describe, expect, it } from 'vitest';
import { AgentId, TopicId } from './ids.ts';
import { KeyClosedError, RecipientNotFoundError } from './errors.ts';
import { SingleThreadedAgentRuntime } from './single-threaded-runtime.ts';
import { TypePrefixSubscription, TypeSubscription } from './subscriptions.ts';
import { DeliveryLog, RecordingAgent, tick } from './test-support.ts';
import type { HandlerError, MessageContext } from './types.ts';

function setup() {
  const runtime = new SingleThreadedAgentRuntime();
  const log = new DeliveryLog();
  const made: RecordingAgent[] = [];
  const register = (type: string, behaviour?: ConstructorParameters<typeof RecordingAgent>[2]) =>
    runtime.registerFactory(type, (id) => {
      const agent = new RecordingAgent(id, log, behaviour);
      made.push(agent);
      return agent;
    });
  const errors: HandlerError[] = [];
  runtime.onHandlerError((e) => errors.push(e));
  return { runtime, log, made, register, errors };
}

describe('routing', () => {
  it('delivers a publish to AgentId(agentType, key = source) for a type subscription', async () => {
    const { runtime, log, register } = setup();
    register('writer');
    runtime.addSubscription(new TypeSubscription('draft', 'writer'));
    await runtime.publishMessage({ text: 'a' }, new TopicId('draft', 's1'));
    await runtime.publishMessage({ text: 'b' }, new TopicId('other', 's1'));
    await runtime.idle();
    expect(log.agents()).toEqual(['writer/s1']);
    expect(log.deliveries[0].ctx).toMatchObject({ topicId: new TopicId('draft', 's1'), isRpc: false, sender: null });
  });

  it('delivers by prefix subscription', async () => {
    const { runtime, log, register } = setup();
    register('router');
    runtime.addSubscription(new TypePrefixSubscription('router:', 'router'));
    await runtime.publishMessage(1, new TopicId('router:a', 's'));
    await runtime.publishMessage(2, new TopicId('router:b', 's'));
    await runtime.publishMessage(3, new TopicId('route', 's'));
    await runtime.idle();
    expect(log.of('router/s')).toEqual([1, 2]);
  });

  it('fans out to every subscribed agent type, never back to the sender', async () => {
    const { runtime, log, register } = setup();
    for (const type of ['a', 'b', 'c']) {
      register(type);
      runtime.addSubscription(new TypeSubscription('chat', type));
    }
    await runtime.publishMessage('hi', new TopicId('chat', 's'), { sender: new AgentId('b', 's') });
    await runtime.idle();
    expect(log.agents().sort()).toEqual(['a/s', 'c/s']);
    expect(log.deliveries[0].ctx.sender).toEqual(new AgentId('b', 's'));
  });

  it('drops a topic with no subscribers silently', async () => {
    const { runtime, errors } = setup();
    await expect(runtime.publishMessage('x', new TopicId('nobody', 's'))).resolves.toBeUndefined();
    await runtime.idle();
    expect(errors).toEqual([]);
    expect(runtime.liveInstances()).toBe(0);
  });

  it('delivers once per instance even when several subscriptions map to it', async () => {
    const { runtime, log, register } = setup();
    register('a');
    runtime.addSubscription(new TypeSubscription('t.x', 'a'));
    runtime.addSubscription(new TypePrefixSubscription('t.', 'a'));
    runtime.addSubscription(new TypePrefixSubscription('t', 'a'));
    await runtime.publishMessage('once', new TopicId('t.x', 's'));
    await runtime.idle();
    expect(log.of('a/s')).toEqual(['once']);
  });

  it('delivers once across custom subscriptions too', async () => {
    const { runtime, log, register } = setup();
    register('a');
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    // A subscription of another kind: all of one topic type goes to a single fixed instance.
    const fixed = {
      id: 'fixed',
      agentType: 'a',
      isMatch: (t: TopicId) => t.type === 't',
      mapToAgent: () => new AgentId('a', 'shared'),
      equals: (o: { id: string }) => o.id === 'fixed',
    };
    runtime.addSubscription(fixed);
    runtime.addSubscription({ ...fixed, id: 'fixed-2', equals: (o: { id: string }) => o.id === 'fixed-2' });
    await runtime.publishMessage('m', new TopicId('t', 's'));
    await runtime.idle();
    expect(log.agents().sort()).toEqual(['a/s', 'a/shared']);
  });

  it('refuses a duplicate subscription and an unknown removal', () => {
    const { runtime } = setup();
    const s = new TypeSubscription('t', 'a');
    runtime.addSubscription(s);
    expect(() => runtime.addSubscription(new TypeSubscription('t', 'a'))).toThrow('Subscription already exists');
    expect(() => runtime.removeSubscription('missing')).toThrow('does not exist');
    runtime.removeSubscription(s.id);
    expect(() => runtime.removeSubscription(s.id)).toThrow('does not exist');
  });

  it('stops delivering after a subscription is removed', async () => {
    const { runtime, log, register } = setup();
    register('a');
    const s = new TypeSubscription('t', 'a');
    runtime.addSubscription(s);
    await runtime.publishMessage(1, new TopicId('t', 's'));
    await runtime.idle();
    runtime.removeSubscription(s.id);
    await runtime.publishMessage(2, new TopicId('t', 's'));
    await runtime.idle();
    expect(log.of('a/s')).toEqual([1]);
  });

  it('delivers to a factory registered after the subscription', async () => {
    const { runtime, log, register } = setup();
    runtime.addSubscription(new TypeSubscription('t', 'late'));
    await runtime.publishMessage(1, new TopicId('t', 's'));
    register('late');
    await runtime.publishMessage(2, new TopicId('t', 's'));
    await runtime.idle();
    expect(log.of('late/s')).toEqual([2]);
  });
});

describe('registration and lazy creation', () => {
  it('refuses to register a type twice or an invalid type', () => {
    const { runtime, register } = setup();
    register('a');
    expect(() => register('a')).toThrow('agent type "a" is already registered');
    expect(() => register('no:colon')).toThrow('invalid agent type');
  });

  it('creates one instance per (type, key) on its first message, and reuses it', async () => {
    const { runtime, made, register } = setup();
    register('a');
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    expect(runtime.liveInstances()).toBe(0);
    await runtime.publishMessage(1, new TopicId('t', 's1'));
    await runtime.publishMessage(2, new TopicId('t', 's1'));
    await runtime.publishMessage(3, new TopicId('t', 's2'));
    await runtime.idle();
    expect(made.map((a) => a.id.toString())).toEqual(['a/s1', 'a/s2']);
    expect(made.map((a) => a.count)).toEqual([2, 1]);
    expect(runtime.liveInstances()).toBe(2);
    expect(runtime.liveInstances('s1')).toBe(1);
    expect(runtime.liveInstances('nobody')).toBe(0);
  });

  it('keeps keys isolated: each key has its own instance, state and messages', async () => {
    const { runtime, made, log, register } = setup();
    register('counter');
    runtime.addSubscription(new TypeSubscription('t', 'counter'));
    for (const key of ['alice', 'bob', 'alice']) await runtime.publishMessage({ from: key }, new TopicId('t', key));
    await runtime.idle();
    expect(made.map((a) => [a.id.key, a.count])).toEqual([
      ['alice', 2],
      ['bob', 1],
    ]);
    expect(log.of('counter/alice')).toEqual([{ from: 'alice' }, { from: 'alice' }]);
    expect(log.of('counter/bob')).toEqual([{ from: 'bob' }]);
  });

  it('supports async factories and passes (id, runtime) to them', async () => {
    const { runtime, log } = setup();
    const seen: unknown[] = [];
    runtime.registerFactory('slow', async (id, rt) => {
      seen.push(id.toString(), rt === runtime);
      await tick(5);
      return new RecordingAgent(id, log);
    });
    runtime.addSubscription(new TypeSubscription('t', 'slow'));
    await runtime.publishMessage(1, new TopicId('t', 'k'));
    await runtime.publishMessage(2, new TopicId('t', 'k'));
    await runtime.idle();
    expect(seen).toEqual(['slow/k', true]);
    expect(log.of('slow/k')).toEqual([1, 2]);
  });

  it('reports a failing factory as a handler error and tries again on the next message', async () => {
    const { runtime, log, errors } = setup();
    let attempts = 0;
    runtime.registerFactory('flaky', (id) => {
      if (attempts++ === 0) throw new Error('no model configured');
      return new RecordingAgent(id, log);
    });
    runtime.addSubscription(new TypeSubscription('t', 'flaky'));
    await runtime.publishMessage(1, new TopicId('t', 'k'), { messageId: 'm1' });
    await runtime.publishMessage(2, new TopicId('t', 'k'));
    await runtime.idle();
    expect(errors.map((e) => [String(e.error), e.agent.toString(), e.messageId])).toEqual([
      ['Error: no model configured', 'flaky/k', 'm1'],
    ]);
    expect(log.of('flaky/k')).toEqual([2]);
  });
});

describe('mailboxes', () => {
  it('handles one message at a time per instance, in arrival order, under concurrent publishes', async () => {
    const { runtime, log, register } = setup();
    let active = 0;
    let maxActive = 0;
    register('slow', async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await tick(1);
      active--;
    });
    runtime.addSubscription(new TypeSubscription('t', 'slow'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => runtime.publishMessage(i, new TopicId('t', 'k'))));
    expect(runtime.queueDepth('k')).toBeGreaterThan(0);
    await runtime.idle();
    expect(maxActive).toBe(1);
    expect(log.of('slow/k')).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('runs different instances concurrently', async () => {
    const { runtime, register } = setup();
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    register('a', async (_m, _c, self) => {
      started.push(self.id.key);
      await gate;
    });
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    await runtime.publishMessage(1, new TopicId('t', 'k1'));
    await runtime.publishMessage(2, new TopicId('t', 'k2'));
    await tick();
    expect(started.sort()).toEqual(['k1', 'k2']);
    release();
    await runtime.idle();
  });

  it('refuses to wait for idle from inside a handler of that key', async () => {
    const { runtime, register } = setup();
    const outcomes: unknown[] = [];
    register('a', async (_m, ctx) => {
      outcomes.push(await ctx.runtime.idle('k').catch((e: Error) => e.message));
      outcomes.push(await ctx.runtime.idle().catch((e: Error) => e.message));
      await ctx.runtime.idle('other');
      outcomes.push('other key is fine');
    });
    await runtime.sendMessage(1, new AgentId('a', 'k'));
    expect(outcomes).toEqual([
      'idle("k") inside a handler of key "k" would wait for that handler itself',
      'idle() inside a handler of key "k" would wait for that handler itself',
      'other key is fine',
    ]);
  });

  it('reports queue depth and idles per key', async () => {
    const { runtime, register } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    register('a', (_m, ctx) => (ctx.topicId!.source === 'busy' ? gate : undefined));
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    for (let i = 0; i < 3; i++) await runtime.publishMessage(i, new TopicId('t', 'busy'));
    const quick = runtime.publishMessage(0, new TopicId('t', 'quick'));
    // One "busy" message is running (not queued), two wait behind it; "quick" is queued, not yet started.
    expect(runtime.queueDepth()).toBe(3);
    expect(runtime.queueDepth('quick')).toBe(1);
    await quick;
    await runtime.idle('quick');
    expect(runtime.queueDepth('quick')).toBe(0);
    expect(runtime.queueDepth('busy')).toBe(2);
    let idle = false;
    const waiting = runtime.idle('busy').then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(runtime.queueDepth()).toBe(0);
  });
});

describe('send', () => {
  it('awaits the handler result and marks the context as rpc', async () => {
    const { runtime, log, register } = setup();
    register('calc', async (m) => ({ double: (m as number) * 2 }));
    const answer = await runtime.sendMessage(21, new AgentId('calc', 'k'), { messageId: 'q1' });
    expect(answer).toEqual({ double: 42 });
    expect(log.deliveries[0].ctx).toMatchObject({ isRpc: true, topicId: null, messageId: 'q1', sender: null });
  });

  it('propagates the handler error to the caller and does not report it as an event', async () => {
    const { runtime, register, errors } = setup();
    register('broken', () => {
      throw new Error('boom');
    });
    await expect(runtime.sendMessage(1, new AgentId('broken', 'k'))).rejects.toThrow('boom');
    expect(errors).toEqual([]);
  });

  it('rejects an unknown recipient type with "Recipient not found"', async () => {
    const { runtime } = setup();
    await expect(runtime.sendMessage(1, new AgentId('ghost', 'k'))).rejects.toThrow(RecipientNotFoundError);
    await expect(runtime.sendMessage(1, new AgentId('ghost', 'k'))).rejects.toThrow(/Recipient not found/);
  });

  it('differs from publish: publish discards results and resolves before the handler runs', async () => {
    const { runtime, register } = setup();
    let handled = false;
    register('a', async () => {
      await tick(2);
      handled = true;
      return 'ignored';
    });
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    await expect(runtime.publishMessage(1, new TopicId('t', 'k'))).resolves.toBeUndefined();
    expect(handled).toBe(false);
    await runtime.idle();
    expect(handled).toBe(true);
    await expect(runtime.sendMessage(1, new AgentId('a', 'k'))).resolves.toBe('ignored');
  });

  it('delivers a send to an instance that has no subscription', async () => {
    const { runtime, log, register } = setup();
    register('direct');
    await runtime.sendMessage('hello', new AgentId('direct', 'k'));
    expect(log.of('direct/k')).toEqual(['hello']);
  });

  it('refuses a send to itself from its own handler instead of deadlocking', async () => {
    const { runtime, register } = setup();
    register('self', (_m, ctx, self) => ctx.runtime.sendMessage('again', self.id));
    await expect(runtime.sendMessage('x', new AgentId('self', 'k'))).rejects.toThrow(/cannot send to itself/);
  });

  it('lets a handler send to another agent and defaults the sender to itself', async () => {
    const { runtime, log, register } = setup();
    register('helper', (m) => `helped ${m}`);
    register('boss', (m, ctx) => ctx.runtime.sendMessage(m, new AgentId('helper', 'k')));
    await expect(runtime.sendMessage('task', new AgentId('boss', 'k'))).resolves.toBe('helped task');
    expect(log.deliveries.find((d) => d.agent === 'helper/k')!.ctx.sender).toEqual(new AgentId('boss', 'k'));
  });
});

describe('handler errors', () => {
  it('reports a throwing or rejecting publish handler with message and agent ids and keeps going', async () => {
    const { runtime, log, register, errors } = setup();
    register('fragile', async (m) => {
      if (m === 'bad') throw new Error('cannot handle');
    });
    register('sync', (m) => {
      if (m === 'bad') throw new Error('sync failure');
    });
    runtime.addSubscription(new TypeSubscription('t', 'fragile'));
    runtime.addSubscription(new TypeSubscription('t', 'sync'));
    await runtime.publishMessage('bad', new TopicId('t', 'k'), { messageId: 'm-bad' });
    await runtime.publishMessage('good', new TopicId('t', 'k'));
    await runtime.idle();
    expect(
      errors.map((e) => [(e.error as Error).message, e.agent.toString(), e.messageId, e.topicId?.toString()]).sort(),
    ).toEqual([
      ['cannot handle', 'fragile/k', 'm-bad', 't/k'],
      ['sync failure', 'sync/k', 'm-bad', 't/k'],
    ]);
    expect(log.of('fragile/k')).toEqual(['bad', 'good']);
    expect(log.of('sync/k')).toEqual(['bad', 'good']);
  });

  it('survives a listener that throws and stops calling an unsubscribed one', async () => {
    const { runtime, register } = setup();
    register('a', () => {
      throw new Error('x');
    });
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    let calls = 0;
    runtime.onHandlerError(() => {
      throw new Error('listener failure');
    });
    const off = runtime.onHandlerError(() => calls++);
    await runtime.publishMessage(1, new TopicId('t', 'k'));
    await runtime.idle();
    off();
    await runtime.publishMessage(2, new TopicId('t', 'k'));
    await runtime.idle();
    expect(calls).toBe(1);
  });
});

describe('cancellation', () => {
  it('rejects a send whose signal is already aborted, without running the handler', async () => {
    const { runtime, log, register } = setup();
    register('a');
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    await expect(runtime.sendMessage(1, new AgentId('a', 'k'), { signal: controller.signal })).rejects.toThrow(
      'user left',
    );
    await runtime.idle();
    expect(log.deliveries).toEqual([]);
  });

  it('rejects a running send at once when aborted; the handler sees the aborted signal', async () => {
    const { runtime, register } = setup();
    let seen: AbortSignal | undefined;
    register('slow', (_m, ctx) => {
      seen = ctx.signal;
      return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('too late')));
    });
    const controller = new AbortController();
    const pending = runtime.sendMessage(1, new AgentId('slow', 'k'), { signal: controller.signal });
    await tick();
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(seen?.aborted).toBe(true);
    await runtime.idle();
  });

  it('skips a queued send that was aborted before its turn', async () => {
    const { runtime, log, register } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    register('a', (m) => (m === 'first' ? gate : m));
    const first = runtime.sendMessage('first', new AgentId('a', 'k'));
    const controller = new AbortController();
    const second = runtime.sendMessage('second', new AgentId('a', 'k'), { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    release();
    await first;
    await runtime.idle();
    expect(log.of('a/k')).toEqual(['first']);
  });

  it('skips a queued publish whose signal was aborted, and rejects one aborted before', async () => {
    const { runtime, log, register } = setup();
    register('a', async () => tick(1));
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    const controller = new AbortController();
    await runtime.publishMessage(1, new TopicId('t', 'k'));
    await runtime.publishMessage(2, new TopicId('t', 'k'), { signal: controller.signal });
    controller.abort(new Error('turn aborted'));
    await expect(runtime.publishMessage(3, new TopicId('t', 'k'), { signal: controller.signal })).rejects.toThrow(
      'turn aborted',
    );
    await runtime.idle();
    expect(log.of('a/k')).toEqual([1]);
  });
});

describe('messages are never shared mutable objects', () => {
  it('gives each recipient its own copy, untouched by the publisher or other recipients', async () => {
    const { runtime, register } = setup();
    const received: Array<{ items: string[] }> = [];
    const mutate = async (m: unknown) => {
      const message = m as { items: string[] };
      received.push(message);
      message.items.push('mine');
      await tick(1);
    };
    register('a', mutate);
    register('b', mutate);
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    runtime.addSubscription(new TypeSubscription('t', 'b'));
    const message = { items: ['x'] };
    await runtime.publishMessage(message, new TopicId('t', 'k'));
    message.items.push('changed after publishing');
    await runtime.idle();
    expect(received).toEqual([{ items: ['x', 'mine'] }, { items: ['x', 'mine'] }]);
    expect(received[0]).not.toBe(received[1]);
    expect(message.items).toEqual(['x', 'changed after publishing']);
  });

  it('rejects a publish or send whose message is not plain data, naming the path', async () => {
    const { runtime, register } = setup();
    register('a');
    await expect(runtime.publishMessage({ at: new Date() }, new TopicId('t', 'k'))).rejects.toThrow('a Date at $.at');
    await expect(runtime.sendMessage({ fn: () => 1 }, new AgentId('a', 'k'))).rejects.toThrow('a function at $.fn');
  });

  it('copies the response of a send, and rejects one that is not plain data', async () => {
    const { runtime, register } = setup();
    const kept = { list: [1] };
    register('a', (m) => (m === 'bad' ? new Map() : kept));
    const answer = (await runtime.sendMessage(0, new AgentId('a', 'k'))) as { list: number[] };
    expect(answer).toEqual(kept);
    expect(answer.list).not.toBe(kept.list);
    await expect(runtime.sendMessage('bad', new AgentId('a', 'k'))).rejects.toThrow('a Map at $');
  });
});

describe('implicit source inside a handler', () => {
  it("publishes { type } to the handling agent's key and names it as sender", async () => {
    const { runtime, log, register } = setup();
    register('first', async (_m, ctx) => {
      await tick(1);
      await ctx.runtime.publishMessage('next', { type: 'step2' });
    });
    register('second');
    runtime.addSubscription(new TypeSubscription('step1', 'first'));
    runtime.addSubscription(new TypeSubscription('step2', 'second'));
    await runtime.publishMessage('go', new TopicId('step1', 'session-7'));
    await runtime.publishMessage('go', new TopicId('step1', 'session-8'));
    await runtime.idle();
    const seconds = log.deliveries.filter((d) => d.agent.startsWith('second/'));
    expect(seconds.map((d) => [d.agent, d.ctx.topicId?.toString(), d.ctx.sender?.toString()]).sort()).toEqual([
      ['second/session-7', 'step2/session-7', 'first/session-7'],
      ['second/session-8', 'step2/session-8', 'first/session-8'],
    ]);
  });

  it('refuses { type } without a source outside a handler', async () => {
    const { runtime } = setup();
    await expect(runtime.publishMessage('x', { type: 'anything' })).rejects.toThrow(/has no source: outside a handler/);
  });

  it('accepts { type, source } and rejects a malformed topic', async () => {
    const { runtime, log, register } = setup();
    register('a');
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    await runtime.publishMessage(1, { type: 't', source: 'k' });
    await runtime.idle();
    expect(log.of('a/k')).toEqual([1]);
    await expect(runtime.publishMessage(1, { type: 'bad type', source: 'k' })).rejects.toThrow(/invalid topic type/);
    await expect(runtime.publishMessage(1, null as never)).rejects.toThrow(/topic must be a TopicId/);
  });

  it('takes calls on the runtime itself (or another one) as from outside, even inside a handler', async () => {
    const { runtime, log, register } = setup();
    const other = new SingleThreadedAgentRuntime();
    const outcomes: unknown[] = [];
    register('a', async () => {
      outcomes.push(await runtime.publishMessage('x', { type: 't' }).catch((e: Error) => e.message));
      outcomes.push(await other.publishMessage('x', { type: 't' }).catch((e: Error) => e.message));
      await runtime.publishMessage('plain', new TopicId('t', 'k'));
    });
    register('b');
    runtime.addSubscription(new TypeSubscription('t', 'b'));
    await runtime.sendMessage(1, new AgentId('a', 'k'));
    await runtime.idle();
    expect(outcomes).toEqual([expect.stringMatching(/has no source/), expect.stringMatching(/has no source/)]);
    expect(log.deliveries.find((d) => d.agent === 'b/k')!.ctx.sender).toBeNull();
  });

  it('gives every recipient of a publish the same generated message id, a new one per publish', async () => {
    const { runtime, log, register, errors } = setup();
    register('a', (m) => {
      if (m === 2) throw new Error('no');
    });
    register('b');
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    runtime.addSubscription(new TypeSubscription('t', 'b'));
    await runtime.publishMessage(1, new TopicId('t', 'k'));
    await runtime.publishMessage(2, new TopicId('t', 'k'));
    await runtime.idle();
    const ids = log.deliveries.map((d) => [d.message, d.ctx.messageId]);
    const first = ids.filter(([m]) => m === 1).map(([, id]) => id);
    const second = ids.filter(([m]) => m === 2).map(([, id]) => id);
    expect(new Set(first).size).toBe(1);
    expect(new Set(second).size).toBe(1);
    expect(first[0]).not.toBe(second[0]);
    expect(first[0]).toEqual(expect.any(String));
    expect(errors.map((e) => e.messageId)).toEqual([second[0]]);
  });

  it('gives the handler its message context', async () => {
    const { runtime, register } = setup();
    let ctx: MessageContext | undefined;
    register('a', (_m, c) => {
      ctx = c;
    });
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    await runtime.publishMessage(1, new TopicId('t', 'k'), { messageId: 'fixed', sender: new AgentId('user', 'k') });
    await runtime.idle();
    expect(ctx).toMatchObject({ messageId: 'fixed', isRpc: false, sender: new AgentId('user', 'k') });
    expect(ctx!.signal.aborted).toBe(false);
  });
});

describe("the instance's runtime (ctx.runtime)", () => {
  it('is one object per instance, the same for each of its messages', async () => {
    const { runtime, log, register } = setup();
    register('a');
    register('b');
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    runtime.addSubscription(new TypeSubscription('t', 'b'));
    await runtime.publishMessage(1, new TopicId('t', 'k1'));
    await runtime.publishMessage(2, new TopicId('t', 'k1'));
    await runtime.publishMessage(3, new TopicId('t', 'k2'));
    await runtime.idle();
    const views = new Map<string, Set<unknown>>();
    for (const d of log.deliveries) views.set(d.agent, (views.get(d.agent) ?? new Set()).add(d.ctx.runtime));
    expect([...views.values()].map((v) => v.size)).toEqual([1, 1, 1, 1]);
    expect(new Set([...views.values()].map((v) => [...v][0])).size).toBe(4);
    expect(log.deliveries.every((d) => d.ctx.runtime !== runtime)).toBe(true);
  });

  it('keeps speaking for its instance after the handler returned, so a timer publishes as the agent', async () => {
    const { runtime, log, register } = setup();
    let later!: Promise<void>;
    register('a', (_m, ctx) => {
      later = new Promise((resolve, reject) =>
        setTimeout(() => ctx.runtime.publishMessage('later', { type: 'out' }).then(resolve, reject), 5),
      );
    });
    register('b');
    runtime.addSubscription(new TypeSubscription('in', 'a'));
    runtime.addSubscription(new TypeSubscription('out', 'b'));
    await runtime.publishMessage('go', new TopicId('in', 'k'));
    await runtime.idle();
    await later;
    await runtime.idle();
    const delivery = log.deliveries.find((d) => d.agent === 'b/k')!;
    expect([delivery.message, delivery.ctx.topicId, delivery.ctx.sender]).toEqual([
      'later',
      new TopicId('out', 'k'),
      new AgentId('a', 'k'),
    ]);
  });

  it('goes silent once its key is closed: publishes go nowhere, sends reject with KeyClosedError', async () => {
    const { runtime, log, register } = setup();
    let kept: MessageContext['runtime'] | undefined;
    register('a', (_m, ctx) => void (kept ??= ctx.runtime));
    register('b');
    runtime.addSubscription(new TypeSubscription('t', 'a'));
    runtime.addSubscription(new TypeSubscription('out', 'b'));
    await runtime.publishMessage('go', new TopicId('t', 'k'));
    await runtime.idle();
    await runtime.closeKey('k');
    await kept!.publishMessage('ghost', { type: 'out' });
    await kept!.publishMessage('ghost', new TopicId('out', 'k'));
    await expect(kept!.sendMessage('ghost', new AgentId('b', 'k'))).rejects.toThrow(KeyClosedError);
    await runtime.idle();
    expect(log.agents()).toEqual(['a/k']);
    expect(runtime.liveInstances()).toBe(0);
    // The key itself starts afresh for everyone else, with a new view for the new instance.
    await runtime.publishMessage('again', new TopicId('t', 'k'));
    await runtime.idle();
    expect(log.deliveries[1].ctx.runtime).not.toBe(kept);
  });
});
