import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopicId } from './ids.ts';
import { SingleThreadedAgentRuntime } from './single-threaded-runtime.ts';
import { TypePrefixSubscription, TypeSubscription } from './subscriptions.ts';
import type { AgentId } from './ids.ts';
import type { MessageContext } from './types.ts';

const step = fc.record({
  source: fc.integer({ min: 0, max: 19 }),
  topic: fc.constantFrom('chat', 'chat.side', 'relay'),
});

describe('isolation between sources (property)', () => {
  it('never delivers a message to an instance of another source, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), fc.scheduler(), async (steps, s) => {
        const runtime = new SingleThreadedAgentRuntime();
        const wrong: string[] = [];
        const seen = new Map<string, number[]>();
        const agent = (id: AgentId) => ({
          id,
          onMessage: async (m: unknown, ctx: MessageContext) => {
            const { source, n } = m as { source: string; n: number };
            if (source !== id.key) wrong.push(`${id} got ${n} of ${source}`);
            seen.set(id.toString(), [...(seen.get(id.toString()) ?? []), n]);
            // A scheduled await lets fast-check interleave handlers of every source.
            await s.schedule(Promise.resolve(), `handle ${n} in ${id}`);
            // Relays re-publish with an implicit source: the instance's runtime must pick this key.
            if (id.type === 'relay' && n >= 0)
              await ctx.runtime.publishMessage({ source: id.key, n: -n - 1 }, { type: 'chat' });
          },
        });
        runtime.registerFactory('listener', agent);
        runtime.registerFactory('relay', agent);
        runtime.addSubscription(new TypeSubscription('chat', 'listener'));
        runtime.addSubscription(new TypePrefixSubscription('chat.', 'listener'));
        runtime.addSubscription(new TypeSubscription('relay', 'relay'));

        const publishes = steps.map((st, n) =>
          s
            .schedule(Promise.resolve(), `publish ${n}`)
            .then(() => runtime.publishMessage({ source: `s${st.source}`, n }, new TopicId(st.topic, `s${st.source}`))),
        );
        await s.waitFor(Promise.all(publishes).then(() => runtime.idle()));
        expect(wrong).toEqual([]);
        // Every message reaches its own source's listener once: chat topics directly, relay ones as the relay's echo.
        const delivered = [...seen]
          .filter(([id]) => id.startsWith('listener/'))
          .reduce((sum, [, ns]) => sum + ns.length, 0);
        expect(delivered).toBe(steps.length);
        for (const ns of seen.values()) expect(new Set(ns).size).toBe(ns.length);
        expect(runtime.liveInstances()).toBe(new Set(seen.keys()).size);
      }),
      { numRuns: 100 },
    );
  });
});
