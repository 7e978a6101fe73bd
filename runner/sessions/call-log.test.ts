import { afterEach, describe, expect, it } from 'vitest';
import type { Caller } from './types.ts';
import { echoGraph, listen, putGraph, startRunner, tempDataDir } from './test-support.ts';

const acme: Caller = { tenant: 'acme', user: 'ann' };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

describe('agent calls in the transcript', () => {
  it('an agent message carries its call: start, tokens and model, also read back after a restart', async () => {
    const data = await tempDataDir();
    cleanups.push(data.remove);
    const runner = startRunner(data.dir);
    await putGraph(runner.store, 'acme', echoGraph());
    const info = await runner.manager.create(acme, { graphId: 'echo' });
    const ev = await listen(runner.manager, acme, info.id);
    await runner.manager.send(acme, info.id, { content: 'hello' });
    await runner.manager.settled(acme, info.id);

    const [input, reply] = await runner.manager.transcript(acme, info.id);
    expect(input?.call).toBeUndefined(); // the person's message is no agent call
    const start = ev.of('agent').find((a) => a.phase === 'start')!;
    const used = ev.of('usage')[0]!;
    expect(reply?.call).toEqual({ start: start.time, usage: used.call, model: used.model });
    expect(reply!.call!.usage!.completionTokens).toBeGreaterThan(0);
    expect(reply!.time).toBeGreaterThanOrEqual(reply!.call!.start);
    // The live event and the stored entry are the same message.
    expect(ev.of('message')[1]?.call).toEqual(reply?.call);

    await runner.stop();
    const again = startRunner(data.dir);
    cleanups.push(again.stop);
    const stored = await again.manager.transcript(acme, info.id);
    expect(stored[1]?.call).toEqual(reply?.call);
  });
});
