import { langgraph, memoryPerSession, ours } from './conversations.ts';
import { withTempDir } from './in-process.ts';

/** Heap per session after 5 turns each, switchboard over LangGraph.js. */
export async function langgraphMemoryRatio(log: (s: string) => void): Promise<number> {
  const oursMem = await withTempDir((dir) => memoryPerSession(() => ours(dir), 300));
  const lgMem = await memoryPerSession(langgraph, 300);
  log(`heap per session after 5 turns: switchboard ${oursMem.toFixed(0)} B, langgraph ${lgMem.toFixed(0)} B`);
  return oursMem / lgMem;
}
