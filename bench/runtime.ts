/**
 * Runtime dispatch: publish → subscription → handler, 1M messages over 1k sources, beside a bare
 * `Map<string, handler[]>` async dispatch driven the same way in the same run; and the heap an
 * empty agent costs, before and after its source is closed. Needs --expose-gc (npm run bench
 * passes it).
 *
 * Both loops run the same traffic: rounds in which each of the 1k sources publishes one message
 * (its sessions are concurrent), awaited round by round; handlers are async and trivial. Rates
 * are per second of process CPU time, best of five runs after a warm-up run, so other work on a
 * shared machine skews them less than wall time would.
 *
 * The runtime keeps no AsyncLocalStorage (a handler's ctx.runtime carries its instance): on
 * Node 20 enabling one turns on async_hooks' promise hooks for the whole process, and every
 * promise pays for them. When it did, the runtime ran at a third of the bare loop's rate. The
 * bare loop runs first, so should such a process-wide cost come back, the ratio shows it whole.
 */
import { AgentId, SingleThreadedAgentRuntime, TopicId, TypeSubscription, type Agent } from '../runner/runtime/index.ts';

const MESSAGES = 1_000_000;
const SOURCES = 1_000;
const RUNS = 5;
const INSTANCES = 100_000;

type Handler = (message: unknown) => Promise<void>;

export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('bench/runtime needs --expose-gc (use npm run bench)');

  const bareRate = await best(bare);
  log(`bare Map<string, handler[]> dispatch: ${Math.round(bareRate)} msgs/s`);
  const dispatchRate = await best(dispatch);
  log(`runtime publish → subscription → handler: ${Math.round(dispatchRate)} msgs/s`);

  const { perInstance, afterClose } = await heap(gc);
  log(`empty agent: ${Math.round(perInstance)} B/instance; after closeKey: ${afterClose.toFixed(1)} B/source`);

  return {
    dispatch_msgs_per_s: Math.round(dispatchRate),
    bare_msgs_per_s: Math.round(bareRate),
    dispatch_ratio_vs_bare: dispatchRate / bareRate,
    heap_bytes_per_instance: Math.round(perInstance),
    heap_bytes_after_close: afterClose,
  };
}

/** Best rate of RUNS runs of MESSAGES, after a warm-up run that lets the JIT settle. */
async function best(loop: (n: number) => Promise<number>): Promise<number> {
  await loop(MESSAGES);
  let rate = 0;
  for (let i = 0; i < RUNS; i++) rate = Math.max(rate, await loop(MESSAGES));
  return rate;
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function topics(): TopicId[] {
  return Array.from({ length: SOURCES }, (_, i) => new TopicId('work', `session-${i}`));
}

async function bare(n: number): Promise<number> {
  const handlers = new Map<string, Handler[]>();
  let handled = 0;
  const names = topics().map(String);
  for (const name of names) handlers.set(name, [async () => void handled++]);
  const publish = async (topic: string, message: unknown): Promise<void> => {
    const list = handlers.get(topic);
    if (list !== undefined) for (const handler of list) await handler(message);
  };
  const start = cpuSeconds();
  for (let round = 0; round < n / SOURCES; round++) {
    let last: Promise<void> | undefined;
    for (let s = 0; s < SOURCES; s++) last = publish(names[s], { seq: round * SOURCES + s });
    await last;
  }
  const seconds = cpuSeconds() - start;
  if (handled !== n) throw new Error(`bare dispatch handled ${handled} of ${n}`);
  return n / seconds;
}

async function dispatch(n: number): Promise<number> {
  const runtime = new SingleThreadedAgentRuntime();
  let handled = 0;
  runtime.registerFactory('worker', (id) => ({ id, onMessage: async () => void handled++ }));
  runtime.addSubscription(new TypeSubscription('work', 'worker'));
  const targets = topics();
  const start = cpuSeconds();
  for (let round = 0; round < n / SOURCES; round++) {
    for (let s = 0; s < SOURCES; s++) void runtime.publishMessage({ seq: round * SOURCES + s }, targets[s]);
    await runtime.idle();
  }
  const seconds = cpuSeconds() - start;
  if (handled !== n) throw new Error(`runtime handled ${handled} of ${n}`);
  return n / seconds;
}

/** An agent with no state: what the runtime itself costs per instance. */
class EmptyAgent implements Agent {
  constructor(readonly id: AgentId) {}
  onMessage(): void {}
}

async function heap(gc: () => void): Promise<{ perInstance: number; afterClose: number }> {
  const runtime = new SingleThreadedAgentRuntime();
  runtime.registerFactory('empty', (id) => new EmptyAgent(id));
  runtime.addSubscription(new TypeSubscription('hello', 'empty'));
  const used = (): number => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const before = used();
  for (let i = 0; i < INSTANCES; i++) await runtime.publishMessage(null, new TopicId('hello', `s${i}`));
  await runtime.idle();
  const live = used();
  if (runtime.liveInstances() !== INSTANCES)
    throw new Error(`expected ${INSTANCES} instances, found ${runtime.liveInstances()}`);
  for (let i = 0; i < INSTANCES; i++) await runtime.closeKey(`s${i}`);
  const closed = used();
  if (runtime.liveInstances() !== 0) throw new Error(`closeKey left ${runtime.liveInstances()} instances`);
  return { perInstance: (live - before) / INSTANCES, afterClose: Math.max(0, closed - before) / INSTANCES };
}
