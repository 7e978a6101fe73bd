import { idleCpu } from './idle-cpu.ts';
import { heapPerIdleSession } from './idle-heap.ts';
import { langgraphMemoryRatio } from './langgraph-memory.ts';
import { langgraphThroughput } from './langgraph-throughput.ts';
import { persistCost } from './persist-cost.ts';
import { socketTurns } from './socket-turns.ts';

/**
 * Group `runner`: end-to-end turns over Socket.IO against a bare Socket.IO round trip, scaling,
 * persistence cost against the number of stored sessions, idle memory and CPU, and the same
 * three-agent conversation in LangGraph.js. Servers run in child processes (child.ts); the
 * clients run here, so they never share an event loop with a server. One file per benchmark.
 */
export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  const figures: Record<string, number> = { ...(await socketTurns(log)) };
  figures.persist_cost_ratio_10k_vs_100 = await persistCost(log);
  figures.heap_bytes_per_idle_session = await heapPerIdleSession(log);
  figures.idle_cpu_ms_1000_sessions_10s = await idleCpu(log);
  figures.otel_overhead_ratio = await (await import('../otel-overhead.ts')).otelOverheadRatio(log);
  const rates = await langgraphThroughput(log);
  figures.throughput_ratio_vs_langgraph = rates.ours / rates.langgraph;
  figures.memory_ratio_vs_langgraph = await langgraphMemoryRatio(log);
  figures.three_agent_turns_per_s_switchboard = rates.ours;
  figures.three_agent_turns_per_s_langgraph = rates.langgraph;
  Object.assign(
    figures,
    await (await import('../stream.ts')).run(log),
    await (await import('../openai-turn.ts')).run(log),
    await (await import('../drift.ts')).run(log),
  );
  return figures;
}
