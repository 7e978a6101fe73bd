import { describe, expect, it } from 'vitest';
import { AgentId, TopicId } from './ids.ts';
import { SingleThreadedAgentRuntime } from './single-threaded-runtime.ts';
import { TypeSubscription } from './subscriptions.ts';
import { recordingRuntime as setup, tick } from './test-support.ts';
import type { MessageContext } from './types.ts';

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
