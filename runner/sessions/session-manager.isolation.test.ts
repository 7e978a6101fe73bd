import { describe, expect, it } from 'vitest';
import { ModelRegistry } from '../models/registry.ts';
import { graphNamespace } from '../agents/graph-names.ts';
import type { ModelSource } from './session-manager.ts';
import {
  acme,
  echoGraph,
  globex,
  listen,
  memoryGraph,
  putGraph,
  runnersPerTest,
  startRunner,
  tempDataDir,
} from './test-support.ts';

// What keeps sessions, tenants and users apart.
const { cleanups, setup } = runnersPerTest();

describe('SessionManager', () => {
  it('keeps 50 concurrent sessions apart', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager } = runner;
    const sessions = await Promise.all(Array.from({ length: 50 }, () => manager.create(acme, { graphId: 'echo' })));
    await Promise.all(
      sessions.map(async (s, i) => {
        await manager.send(acme, s.id, { content: `first-${i}` });
        await manager.send(acme, s.id, { content: `second-${i}` });
        await manager.settled(acme, s.id);
      }),
    );
    for (const [i, s] of sessions.entries()) {
      const transcript = await manager.transcript(acme, s.id);
      expect(transcript.map((m) => m.content).sort()).toEqual([
        `echo: first-${i}`,
        `echo: second-${i}`,
        `first-${i}`,
        `second-${i}`,
      ]);
      expect(transcript.every((m) => m.sessionId === s.id && m.topic.source === s.id)).toBe(true);
      const turnOf = (content: string) => transcript.find((m) => m.content === content)?.turnId;
      expect(turnOf(`echo: first-${i}`)).toBe(turnOf(`first-${i}`));
      expect(turnOf(`echo: second-${i}`)).toBe(turnOf(`second-${i}`));
    }
  });

  it("reports another tenant's session exactly like a missing one", async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    await putGraph(runner.store, 'globex', echoGraph());
    const { manager } = runner;
    const mine = await manager.create(acme, { graphId: 'echo' });
    await manager.send(acme, mine.id, { content: 'secret' });
    await manager.settled(acme, mine.id);
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const id of [mine.id, missing]) {
      const attempts = [
        manager.get(globex, id),
        manager.transcript(globex, id),
        manager.send(globex, id, { content: 'x' }),
        manager.subscribe(globex, id, () => undefined),
        manager.close(globex, id),
        manager.delete(globex, id),
        manager.abort(globex, id),
        manager.settled(globex, id),
      ];
      for (const attempt of attempts)
        await expect(attempt).rejects.toMatchObject({ code: 'not_found', message: `session "${id}" not found` });
    }
    expect(await manager.list(globex)).toEqual([]);
    expect((await manager.transcript(acme, mine.id)).map((m) => m.content)).toEqual(['secret', 'echo: secret']);
    await expect(manager.get(acme, '../../etc')).rejects.toMatchObject({ code: 'invalid' });
  });

  it('rejects a publish into another session or into a closed one', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', echoGraph());
    const { manager, runtime } = runner;
    const a = await manager.create(acme, { graphId: 'echo' });
    const b = await manager.create(acme, { graphId: 'echo' });
    await listen(manager, acme, a.id);
    await listen(manager, acme, b.id);
    const { AgentId } = await import('../runtime/ids.ts');
    const intruder = new AgentId(`${graphNamespace('acme', 'echo', 1)}.echo`, a.id);
    const message = { id: 'x', turnId: 't', role: 'assistant', content: 'leak', sender: 'echo' };
    await expect(
      runtime.publishMessage(message, { type: 'echo.out', source: b.id }, { sender: intruder }),
    ).rejects.toMatchObject({ code: 'isolation' });
    await manager.close(acme, b.id);
    await expect(
      runtime.publishMessage(message, { type: 'echo.in', source: b.id }, { sender: null }),
    ).rejects.toMatchObject({ code: 'session_closed' });
    expect(await manager.transcript(acme, b.id)).toEqual([]);
  });

  it('gives agents long-term memory per tenant and user', async () => {
    const { runner } = await setup();
    await putGraph(runner.store, 'acme', memoryGraph());
    await putGraph(runner.store, 'globex', memoryGraph());
    const { manager } = runner;
    const s = await manager.create(acme, { graphId: 'memo' });
    await manager.send(acme, s.id, { content: 'remember blue' });
    await manager.settled(acme, s.id);
    expect(await runner.store.getMemory('acme', 'ann')).toEqual({ color: 'from-rule' });
    expect(await runner.store.getMemory('acme', 'bob')).toEqual({});
    expect(await runner.store.getMemory('globex', 'ann')).toEqual({});
  });

  it('hands agents the tenant credentials from config only', async () => {
    const data = await tempDataDir();
    cleanups.push(data.remove);
    const seen: Array<[string, string | undefined, string | undefined]> = [];
    const registry = new ModelRegistry({});
    const models: ModelSource = {
      get: (tenant, def, credential) => {
        seen.push([tenant, credential('API'), credential('OTHER')]);
        return registry.get(tenant, def, credential);
      },
    };
    const runner = startRunner(
      data.dir,
      { credentials: { acme: { API: 'acme-secret' }, globex: { API: 'globex-secret' } } },
      models,
    );
    cleanups.push(runner.stop);
    await putGraph(runner.store, 'acme', echoGraph());
    process.env.OTHER = 'from-env';
    try {
      const s = await runner.manager.create(acme, { graphId: 'echo' });
      await runner.manager.send(acme, s.id, { content: 'hi' });
      await runner.manager.settled(acme, s.id);
    } finally {
      delete process.env.OTHER;
    }
    expect(seen[0]).toEqual(['acme', 'acme-secret', undefined]);
  });
});
