import { describe, expect, it } from 'vitest';
import { AgentId, TopicId } from './ids.ts';
import { TypePrefixSubscription, TypeSubscription } from './subscriptions.ts';
import { recordingRuntime as setup, RecordingAgent, tick } from './test-support.ts';

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
