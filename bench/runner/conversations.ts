import { THREE_AGENTS, SCRIPT, putGraph } from './graphs.ts';
import { caller, core, flushed, heapUsed, sleep, turn } from './in-process.ts';

export interface Conversation {
  name: string;
  /** Creates the per-session state (a session or a thread id). */
  open(i: number): Promise<string>;
  turn(id: string, content: string): Promise<void>;
  /** Waits for writes still on their way to storage (the embedded store's journal checkpoint). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function ours(dir: string): Promise<Conversation> {
  const c = core(dir);
  await putGraph(c, THREE_AGENTS);
  return {
    name: 'switchboard',
    open: async () => (await c.sessions.create(caller, { graphId: 'bench-three' })).id,
    turn: (id, content) => turn(c, id, content),
    settle: () => flushed(c),
    close: () => c.close(),
  };
}

export async function langgraph(): Promise<Conversation> {
  const { StateGraph, MessagesAnnotation, MemorySaver, START, END } = await import('@langchain/langgraph');
  const { AIMessage, HumanMessage } = await import('@langchain/core/messages');
  const reply = (text: string, name: string) => () => ({ messages: [new AIMessage({ content: text, name })] });
  const app = new StateGraph(MessagesAnnotation)
    .addNode('planner', reply(SCRIPT[0], 'planner'))
    .addNode('researcher', reply(SCRIPT[1], 'researcher'))
    .addNode('writer', reply(SCRIPT[2], 'writer'))
    .addEdge(START, 'planner')
    .addEdge('planner', 'researcher')
    .addEdge('researcher', 'writer')
    .addEdge('writer', END)
    .compile({ checkpointer: new MemorySaver() });
  return {
    name: 'langgraph',
    open: async (i) => `thread-${i}`,
    turn: async (id, content) => {
      await app.invoke({ messages: [new HumanMessage(content)] }, { configurable: { thread_id: id } });
    },
    settle: async () => undefined, // MemorySaver keeps everything in memory
    close: async () => undefined,
  };
}

/** Turns per second with `sessions` new conversations running concurrently for `rounds` rounds. */
export async function throughput(conv: Conversation, sessions: number, rounds: number, batch: number): Promise<number> {
  const ids = await Promise.all(Array.from({ length: sessions }, (_, i) => conv.open(batch * sessions + i)));
  await Promise.all(ids.map((id) => conv.turn(id, 'warm up')));
  const started = performance.now();
  for (let r = 0; r < rounds; r++) await Promise.all(ids.map((id) => conv.turn(id, `question ${r}`)));
  return ((sessions * rounds) / (performance.now() - started)) * 1000;
}

/** Heap growth per session after 5 turns each. */
export async function memoryPerSession(make: () => Promise<Conversation>, sessions: number): Promise<number> {
  const conv = await make();
  await conv.turn(await conv.open(-1), 'warm up');
  await sleep(200);
  const before = heapUsed();
  const ids = await Promise.all(Array.from({ length: sessions }, (_, i) => conv.open(i)));
  for (let r = 0; r < 5; r++) {
    for (let i = 0; i < ids.length; i += 100)
      await Promise.all(ids.slice(i, i + 100).map((id) => conv.turn(id, `question ${r}`)));
  }
  await conv.settle();
  await sleep(500);
  const after = heapUsed();
  await conv.close();
  return Math.max(0, after - before) / sessions;
}
