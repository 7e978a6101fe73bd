import { rm } from 'node:fs/promises';
import { LowdbStore } from '../../runner/store/lowdb-store.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { validateGraph } from '../../schemas/validate.ts';
import { createCore, type Core } from '../../runner/app.ts';
import { parseConfig } from '../../runner/config.ts';
import type { Caller } from '../../runner/sessions/types.ts';
import { count } from './harness/tally.ts';
import { tempDirs } from './helpers/temp-dir.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * 10,000 sessions, one turn each, then closed: live sessions and agent instances must return to
 * zero and the heap to within 10% of where it started. Runs the core in process (no sockets),
 * so the heap measured is the runner's; the hardening project runs with --expose-gc.
 */
const SESSIONS = 10_000;
const BATCH = 250;
const caller: Caller = { tenant: 'local' };
const dirs = tempDirs('hardening-leaks');
afterAll(() => dirs.removeAll());

function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (the hardening project sets it)');
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function runSessions(core: Core, n: number): Promise<void> {
  for (let start = 0; start < n; start += BATCH) {
    const ids = await Promise.all(
      Array.from({ length: Math.min(BATCH, n - start) }, async (_, i) => {
        const { id } = await core.sessions.create(caller, { graphId: 'echo' });
        await core.sessions.send(caller, id, { content: `hello ${start + i}` });
        await core.sessions.settled(caller, id);
        return id;
      }),
    );
    const transcript = await core.sessions.transcript(caller, ids[0]!);
    expect(transcript.map((m) => m.content)).toEqual([`hello ${start}`, `echo: hello ${start}`]);
    await Promise.all(ids.map((id) => core.sessions.close(caller, id)));
  }
}

describe('leaks', () => {
  it(`${SESSIONS} sessions with a turn each, closed: sessions, instances and heap return to their start`, async () => {
    const dir = await dirs.make();
    const core = createCore(parseConfig({ dataDir: dir, logLevel: 'silent' }));
    try {
      const graph = validateGraph(echoGraph()).graph!;
      await core.store.putGraph({
        tenant: caller.tenant,
        id: 'echo',
        version: 1,
        graph,
        draft: false,
        updatedAt: Date.now(),
      });
      // Warm up: module caches, JIT, the store's index and the graph's loaded version.
      await runSessions(core, 2 * BATCH);
      const start = settledHeap();

      await runSessions(core, SESSIONS);
      // The embedded store holds the last writes in memory until its next checkpoint (about half a
      // second); what matters is what stays after it.
      if (core.store instanceof LowdbStore) await core.store.flush();
      const stats = core.sessions.stats();
      const end = settledHeap();
      const growth = (end - start) / start;
      const leaked = stats.liveSessions + stats.instances + stats.queueDepth + (growth > 0.1 ? 1 : 0);
      count({ leaked });
      expect(stats).toEqual({ liveSessions: 0, instances: 0, queueDepth: 0 });
      expect(growth, `heap ${start} → ${end} bytes`).toBeLessThanOrEqual(0.1);
      expect((await core.store.listSessions(caller.tenant)).length).toBe(SESSIONS + 2 * BATCH);
    } finally {
      await core.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
