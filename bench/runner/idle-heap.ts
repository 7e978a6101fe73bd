import { ECHO, putGraph } from './graphs.ts';
import { core, createSessions, flushed, heapUsed, sleep, turn, withTempDir } from './in-process.ts';

export async function heapPerIdleSession(log: (s: string) => void): Promise<number> {
  return withTempDir(async (dir) => {
    const c = core(dir, { idleTimeoutMs: 200 });
    try {
      await putGraph(c, ECHO);
      const warm = await createSessions(c, 'bench-echo', 50);
      for (const id of warm) await turn(c, id, 'warm');
      await sleep(600);
      const before = heapUsed();
      const n = 2000;
      const ids = await createSessions(c, 'bench-echo', n);
      for (let i = 0; i < n; i += 100) await Promise.all(ids.slice(i, i + 100).map((id) => turn(c, id, 'hello')));
      await sleep(800);
      await flushed(c);
      const after = heapUsed();
      const perSession = Math.max(0, after - before) / n;
      log(
        `heap after ${n} sessions ran one turn and went idle: ${((after - before) / 1024).toFixed(0)} KiB total, ${perSession.toFixed(0)} B/session (stats ${JSON.stringify(c.sessions.stats())})`,
      );
      return perSession;
    } finally {
      await c.close();
    }
  });
}
