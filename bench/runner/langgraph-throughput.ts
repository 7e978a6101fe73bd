import { langgraph, ours, throughput } from './conversations.ts';
import { median, withTempDir } from './in-process.ts';

/** Three-agent turns per second, switchboard and LangGraph.js, in 3 alternating rounds (medians). */
export async function langgraphThroughput(log: (s: string) => void): Promise<{ ours: number; langgraph: number }> {
  const [oursRate, lgRate] = await withTempDir(async (dir) => {
    const mine = await ours(dir);
    const theirs = await langgraph();
    try {
      const rates: [number[], number[]] = [[], []];
      for (let r = 0; r < 3; r++) {
        rates[0].push(await throughput(mine, 100, 5, r));
        rates[1].push(await throughput(theirs, 100, 5, r));
      }
      return [median(rates[0]), median(rates[1])];
    } finally {
      await mine.close();
    }
  });
  log(
    `three-agent turns/s (median of 3 alternating rounds): switchboard ${oursRate.toFixed(0)}, langgraph ${lgRate.toFixed(0)}`,
  );
  return { ours: oursRate, langgraph: lgRate };
}
