import { sleep } from './in-process.ts';
import { spawnRole } from './served.ts';

/** A second with less CPU than this after the burst: the runner's own work for it is done. */
const SETTLED_MS_PER_S = 5;

/**
 * CPU of a runner process (a fresh child, nothing else in it) holding 1000 sessions that each
 * ran one turn, over 10 quiet seconds once it has settled (its store has written the turns to
 * the session files), read from the process itself. The settling seconds are printed.
 */
export async function idleCpu(log: (s: string) => void): Promise<number> {
  const server = await spawnRole('runner');
  try {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string };
    };
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const { id } = await post('/api/sessions', { graphId: 'bench-echo' });
          await post(`/api/sessions/${id}/messages`, { content: 'hello', wait: true });
        }),
      );
    }
    // The turns' last writes reach the session files in a checkpoint after the burst: idle
    // starts once that is done, seen as a second in which the process does (almost) nothing.
    const settling: number[] = [];
    let probe = await server.cpuMs();
    do {
      await sleep(1000);
      const now = await server.cpuMs();
      settling.push(now - probe);
      probe = now;
    } while (settling.at(-1)! >= SETTLED_MS_PER_S && settling.length < 20);
    const before = await server.cpuMs();
    await sleep(10_000);
    const ms = (await server.cpuMs()) - before;
    const stats = (await (await fetch(`${server.url}/api/health`)).json()) as { stats: unknown };
    log(
      `idle runner process with 1000 sessions, 10 s: ${ms.toFixed(1)} ms CPU, after ${settling.length} s settling (${settling.map((x) => x.toFixed(0)).join(', ')} ms CPU per second) (stats ${JSON.stringify(stats.stats)})`,
    );
    return ms;
  } finally {
    await server.stop();
  }
}
