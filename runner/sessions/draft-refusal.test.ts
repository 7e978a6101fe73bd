import { afterEach, describe, expect, it } from 'vitest';
import { echoGraph, putGraph, startRunner, tempDataDir } from './test-support.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

describe('a draft that cannot run', () => {
  it('refuses a session naming the first error and the node by its label: a model the graph does not define', async () => {
    const data = await tempDataDir();
    cleanups.push(data.remove);
    const runner = startRunner(data.dir);
    cleanups.push(runner.stop);
    const graph = echoGraph('typo');
    graph.agents = [
      { id: 'echo', type: 'echo', label: 'Fact checker', kind: 'assistant', config: { model: 'gpt-9', stream: false } },
    ];
    await runner.store.putGraph({
      tenant: 'acme',
      id: 'typo',
      version: 1,
      draft: true,
      updatedAt: 0,
      graph: graph as never,
    });

    const said =
      'graph "typo" has only draft versions; the newest with errors: "Fact checker" refers to unknown model "gpt-9": publish one before starting sessions';
    await expect(runner.manager.create({ tenant: 'acme' }, { graphId: 'typo' })).rejects.toMatchObject({
      code: 'invalid',
      message: said,
    });
    await expect(runner.manager.create({ tenant: 'acme' }, { graphId: 'typo', version: 1 })).rejects.toMatchObject({
      message:
        'graph "typo" version 1 is a draft with errors: "Fact checker" refers to unknown model "gpt-9": publish it before starting sessions',
    });
    // A draft saved as such, with nothing wrong, says no more than that.
    await putGraph(runner.store, 'acme', echoGraph('resting'), 1, true);
    await expect(runner.manager.create({ tenant: 'acme' }, { graphId: 'resting' })).rejects.toMatchObject({
      message: 'graph "resting" has only draft versions: publish one before starting sessions',
    });
  });
});
