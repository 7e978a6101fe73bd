import { describe, expect, it } from 'vitest';
import { AgentId, TopicId } from './ids.ts';
import { KeyClosedError } from './errors.ts';
import { TypeSubscription } from './subscriptions.ts';
import { recordingRuntime as setup } from './test-support.ts';
import type { MessageContext } from './types.ts';

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
