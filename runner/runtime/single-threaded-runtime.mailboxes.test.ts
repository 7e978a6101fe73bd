import { describe, expect, it } from 'vitest';
import { AgentId, TopicId } from './ids.ts';
import { TypeSubscription } from './subscriptions.ts';
import { recordingRuntime as setup, tick } from './test-support.ts';

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
