import { median, sleep } from './in-process.ts';
import type { Served } from './served.ts';
import type { Clients } from './socket-clients.ts';

/** Runs `step` in a closed loop on every client; counts completions inside the measured window. */
export async function closedLoop(
  clients: number,
  step: (i: number) => Promise<void>,
  warmupMs: number,
  measureMs: number,
): Promise<number> {
  let counting = false;
  let done = 0;
  let stop = false;
  const loops = Array.from({ length: clients }, async (_, i) => {
    while (!stop) {
      await step(i);
      if (counting) done++;
    }
  });
  await sleep(warmupMs);
  counting = true;
  const started = performance.now();
  await sleep(measureMs);
  counting = false;
  const elapsed = performance.now() - started;
  stop = true;
  await Promise.all(loops);
  return (done / elapsed) * 1000;
}

/** Operations per second, and server CPU µs per operation over the same window. */
export interface Rate {
  perSecond: number;
  serverCpuUs: number;
  /** CPU µs the client process spent per operation: shows when the clients, not the server, are the limit. */
  clientCpuUs: number;
}

/**
 * A closed loop of n clients has a per-operation latency of n / rate: at 1000 sessions a turn can
 * take seconds, so the warm-up and window grow with n or the window would end before any turn.
 */
export async function measured(server: Served, clients: number, step: (i: number) => Promise<void>): Promise<Rate> {
  const warmupMs = clients > 100 ? 4000 : 1000;
  const windowMs = clients > 100 ? 8000 : 3000;
  let cpuAtStart = 0;
  let ops = 0;
  let cpuAtEnd = 0;
  let clientAtStart = process.cpuUsage();
  const counting = async (i: number) => {
    await step(i);
    ops++;
  };
  const started = sleep(warmupMs).then(async () => {
    ops = 0;
    clientAtStart = process.cpuUsage();
    cpuAtStart = await server.cpuMs();
  });
  const perSecond = await closedLoop(clients, counting, warmupMs, windowMs);
  await started;
  cpuAtEnd = await server.cpuMs();
  const client = process.cpuUsage(clientAtStart);
  const n = Math.max(1, ops);
  return {
    perSecond,
    serverCpuUs: ((cpuAtEnd - cpuAtStart) * 1000) / n,
    clientCpuUs: (client.user + client.system) / n,
  };
}

/**
 * Measures several client sets in alternating rounds (A, B, A, B…) so a change in machine load
 * hits every set alike; returns the median rate of each set.
 */
export async function alternating(
  sets: Array<{ name: string; server: Served; clients: Clients }>,
  rounds: number,
  log: (s: string) => void,
): Promise<Rate[]> {
  const runs: Rate[][] = sets.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [k, set] of sets.entries()) runs[k].push(await measured(set.server, set.clients.size, set.clients.step));
  }
  return sets.map((set, k) => {
    const pick = (f: (x: Rate) => number) => median(runs[k].map(f));
    const rate = {
      perSecond: pick((x) => x.perSecond),
      serverCpuUs: pick((x) => x.serverCpuUs),
      clientCpuUs: pick((x) => x.clientCpuUs),
    };
    log(
      `${set.name}: ${rate.perSecond.toFixed(0)}/s (median of ${rounds}; ${runs[k].map((x) => x.perSecond.toFixed(0)).join(', ')}), ` +
        `CPU per operation ${rate.serverCpuUs.toFixed(0)} µs server, ${rate.clientCpuUs.toFixed(0)} µs clients`,
    );
    return rate;
  });
}
