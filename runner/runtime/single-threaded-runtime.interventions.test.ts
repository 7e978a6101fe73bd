import { describe, expect, it } from 'vitest';
import { MessageDroppedError } from './errors.ts';
import { AgentId, TopicId } from './ids.ts';
import { SingleThreadedAgentRuntime } from './single-threaded-runtime.ts';
import { TypeSubscription } from './subscriptions.ts';
import { DeliveryLog, RecordingAgent, tick } from './test-support.ts';
import { DROP, type InterventionHandler } from './types.ts';

function setup(interventions: InterventionHandler[], behaviour?: ConstructorParameters<typeof RecordingAgent>[2]) {
  const runtime = new SingleThreadedAgentRuntime({ interventions });
  const log = new DeliveryLog();
  runtime.registerFactory('a', (id) => new RecordingAgent(id, log, behaviour));
  runtime.addSubscription(new TypeSubscription('t', 'a'));
  return { runtime, log };
}

describe('interventions', () => {
  it('see every publish, send and response with its context', async () => {
    const seen: unknown[] = [];
    const { runtime } = setup(
      [
        {
          onPublish: (m, c) => void seen.push(['publish', m, c.topicId.toString(), c.sender, c.messageId]),
          onSend: (m, c) => void seen.push(['send', m, c.recipient.toString(), c.sender?.toString(), c.messageId]),
          onResponse: (m, c) => void seen.push(['response', m, c.sender.toString(), c.recipient, c.messageId]),
        },
      ],
      (m) => `re: ${m}`,
    );
    await runtime.publishMessage('p', new TopicId('t', 'k'), { messageId: 'm1' });
    await expect(
      runtime.sendMessage('s', new AgentId('a', 'k'), { messageId: 'm2', sender: new AgentId('user', 'k') }),
    ).resolves.toBe('re: s');
    expect(seen).toEqual([
      ['publish', 'p', 't/k', null, 'm1'],
      ['send', 's', 'a/k', 'user/k', 'm2'],
      ['response', 're: s', 'a/k', new AgentId('user', 'k'), 'm2'],
    ]);
  });

  it('drop a publish silently, a send and a response with MessageDroppedError', async () => {
    const dropPublish = setup([{ onPublish: () => DROP }]);
    await dropPublish.runtime.publishMessage('x', new TopicId('t', 'k'));
    await dropPublish.runtime.idle();
    expect(dropPublish.log.deliveries).toEqual([]);

    const dropSend = setup([{ onSend: () => DROP }]);
    await expect(dropSend.runtime.sendMessage('x', new AgentId('a', 'k'))).rejects.toThrow(MessageDroppedError);
    expect(dropSend.log.deliveries).toEqual([]);

    const dropResponse = setup([{ onResponse: async () => DROP }], () => 'secret');
    await expect(dropResponse.runtime.sendMessage('x', new AgentId('a', 'k'))).rejects.toThrow(
      /dropped by an intervention handler \(response\)/,
    );
    expect(dropResponse.log.of('a/k')).toEqual(['x']);
  });

  it('rewrite messages in order, sync or async; undefined means no change', async () => {
    const { runtime, log } = setup(
      [
        { onPublish: (m) => `${m}+1` },
        { onPublish: () => undefined },
        { onPublish: async (m) => `${m}+2` },
        { onResponse: (m) => ({ wrapped: m }) },
      ],
      () => 'answer',
    );
    await runtime.publishMessage('m', new TopicId('t', 'k'));
    await runtime.idle();
    expect(log.of('a/k')).toEqual(['m+1+2']);
    await expect(runtime.sendMessage('q', new AgentId('a', 'k'))).resolves.toEqual({ wrapped: 'answer' });
  });

  it('copy a rewritten message, so the intervention keeps no handle on it', async () => {
    const replacement = { list: [1] };
    const { runtime, log } = setup([{ onPublish: () => replacement }]);
    await runtime.publishMessage('m', new TopicId('t', 'k'));
    await runtime.idle();
    expect(log.of('a/k')).toEqual([replacement]);
    expect(log.of('a/k')[0]).not.toBe(replacement);
  });

  it('reject the publish or send for the caller when they throw', async () => {
    const { runtime, log } = setup([
      {
        onPublish: (m) => {
          if (m === 'forbidden') throw new Error('access denied');
        },
        onSend: async () => {
          throw new Error('budget exceeded');
        },
      },
    ]);
    await expect(runtime.publishMessage('forbidden', new TopicId('t', 'k'))).rejects.toThrow('access denied');
    await expect(runtime.sendMessage('x', new AgentId('a', 'k'))).rejects.toThrow('budget exceeded');
    await runtime.publishMessage('allowed', new TopicId('t', 'k'));
    await runtime.idle();
    expect(log.of('a/k')).toEqual(['allowed']);
  });

  it('keep arrival order per key while an async intervention is in flight, and idle waits for it', async () => {
    const { runtime, log } = setup([{ onPublish: async (m) => (m === 0 ? tick(5).then(() => m) : m) }]);
    const published = Array.from({ length: 5 }, (_, i) => runtime.publishMessage(i, new TopicId('t', 'k')));
    await runtime.idle();
    expect(log.of('a/k')).toEqual([0, 1, 2, 3, 4]);
    await Promise.all(published);
  });

  it('leave nothing behind for a key whose only messages were dropped', async () => {
    const { runtime } = setup([{ onPublish: () => DROP, onSend: async () => DROP }]);
    await runtime.publishMessage('x', new TopicId('t', 'k1'));
    await expect(runtime.sendMessage('x', new AgentId('a', 'k2'))).rejects.toThrow(MessageDroppedError);
    await runtime.idle();
    expect((runtime as unknown as { keys: Map<string, unknown> }).keys.size).toBe(0);
  });

  it('can be added after construction', async () => {
    const { runtime, log } = setup([]);
    runtime.addIntervention({ onPublish: (m) => `traced ${m}` });
    await runtime.publishMessage('m', new TopicId('t', 'k'));
    await runtime.idle();
    expect(log.of('a/k')).toEqual(['traced m']);
  });
});
