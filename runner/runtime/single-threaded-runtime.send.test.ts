import { describe, expect, it } from 'vitest';
import { AgentId, TopicId } from './ids.ts';
import { RecipientNotFoundError } from './errors.ts';
import { TypeSubscription } from './subscriptions.ts';
import { recordingRuntime as setup, tick } from './test-support.ts';

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
