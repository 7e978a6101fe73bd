import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner, type TestRunner } from './helpers.ts';

const LAG = ['min', 'max', 'mean', 'p50', 'p90', 'p99'] as const;

async function lag(url: string): Promise<Record<(typeof LAG)[number], number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (stat: string) =>
    Number(new RegExp(`^switchboard_nodejs_eventloop_lag_${stat}_seconds (\\S+)$`, 'm').exec(text)?.[1]);
  return Object.fromEntries(LAG.map((stat) => [stat, read(stat)])) as Record<(typeof LAG)[number], number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The runner runs in this process: blocking this event loop blocks the runner's. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('event-loop lag on /metrics (the statistics since the previous scrape)', () => {
  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner();
  });
  afterAll(() => runner?.stop());

  it('an idle runner reads near zero, not the sampling period', async () => {
    await lag(runner.url); // starts a window
    await sleep(1500);
    const idle = await lag(runner.url);
    for (const stat of LAG) expect(idle[stat], stat).toBeGreaterThanOrEqual(0);
    expect(idle.p99).toBeLessThan(0.05);
    expect(idle.p50).toBeLessThan(0.05);
    expect(idle.min).toBeLessThan(0.05);
  });

  it('a runner blocked for 300 ms reports it', async () => {
    await lag(runner.url);
    await sleep(300);
    block(300);
    // The monitor records its late tick in the next timers phase; a request read in the same
    // loop turn as the stall's end (this test's own, on loopback) would be served before it.
    await sleep(10);
    const blocked = await lag(runner.url);
    expect(blocked.max).toBeGreaterThanOrEqual(0.2);
    expect(blocked.max).toBeLessThan(1);
    expect(blocked.p99).toBeGreaterThanOrEqual(0.2);
    // The next window is clean again.
    await sleep(1000);
    expect((await lag(runner.url)).max).toBeLessThan(0.2);
  });
});
