/**
 * Builds a real SessionManager for tests: lowdb files in a temp dir, the real runtime, the real
 * agents and the scripted model. Not used by the runner itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, vi } from 'vitest';
import { Graph, type GraphInput } from '../../schemas/graph.ts';
import type { ServerEventName, ServerEvents } from '../../schemas/protocol.ts';
import { loadGraph } from '../agents/load-graph.ts';
import { ModelRegistry } from '../models/registry.ts';
import { SingleThreadedAgentRuntime } from '../runtime/single-threaded-runtime.ts';
import { LowdbStore } from '../store/lowdb-store.ts';
import { storesOf } from '../store/types.ts';
import { SessionManager, type ModelSource, type SessionManagerConfig } from './session-manager.ts';
import type { Caller } from './types.ts';

export interface Runner {
  manager: SessionManager;
  runtime: SingleThreadedAgentRuntime;
  store: LowdbStore;
  stop(): Promise<void>;
}

export const acme: Caller = { tenant: 'acme', user: 'ann' };
export const globex: Caller = { tenant: 'globex', user: 'gus' };

/** Retries a check for up to 10 s: what a turn does after `send` resolved shows up later. */
export const waitFor = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

/**
 * Runners for a test file, each with its own data dir. What a test pushes onto `cleanups` (its
 * runners' stop and its dirs' removal, as `setup` does) runs after that test, last pushed first.
 */
export function runnersPerTest() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const clean of cleanups.splice(0).reverse()) await clean();
  });
  async function setup(config: SessionManagerConfig = {}): Promise<{ dir: string; runner: Runner }> {
    const data = await tempDataDir();
    cleanups.push(data.remove);
    const runner = startRunner(data.dir, config);
    cleanups.push(runner.stop);
    return { dir: data.dir, runner };
  }
  return { cleanups, setup };
}

export async function tempDataDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-sessions-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function startRunner(
  dir: string,
  config: SessionManagerConfig = {},
  models: ModelSource = new ModelRegistry({}),
): Runner {
  const runtime = new SingleThreadedAgentRuntime();
  const store = new LowdbStore(dir);
  const manager = new SessionManager({
    stores: storesOf(store),
    runtime,
    loadGraph,
    models,
    config: { shutdownGraceMs: 100, ...config },
  });
  return {
    manager,
    runtime,
    store,
    stop: async () => {
      await manager.shutdown();
      await store.close();
    },
  };
}

export async function putGraph(
  store: LowdbStore,
  tenant: string,
  input: GraphInput,
  version = 1,
  draft = false,
): Promise<Graph> {
  const graph = Graph.parse(input);
  await store.putGraph({ tenant, id: graph.id, version, graph, draft, updatedAt: Date.now() });
  return graph;
}

/** Collects a session's events in order. */
export async function listen(manager: SessionManager, caller: Caller, id: string) {
  const events: Array<{ event: ServerEventName; payload: ServerEvents[ServerEventName] }> = [];
  const off = await manager.subscribe(caller, id, (event, payload) => events.push({ event, payload }));
  const of = <E extends ServerEventName>(name: E) =>
    events.filter((e) => e.event === name).map((e) => e.payload as ServerEvents[E]);
  return { events, of, off };
}

const base = { format: 'switchboard/graph', version: 1 } as const;

/** in → echo (scripted assistant) → out. */
export function echoGraph(id = 'echo', reply = 'echo: {input}'): GraphInput {
  return {
    ...base,
    id,
    name: 'Echo',
    models: [{ id: 'm', provider: 'scripted', fallback: reply, pricing: { inputPerMillion: 1, outputPerMillion: 2 } }],
    agents: [{ id: 'echo', type: 'echo', kind: 'assistant', config: { model: 'm', stream: false } }],
    topics: [
      { id: 'in', type: `${id}.in` },
      { id: 'out', type: `${id}.out` },
    ],
    subscriptions: [{ id: 's1', topic: 'in', agent: 'echo' }],
    publications: [{ id: 'p1', agent: 'echo', topic: 'out' }],
    entry: 'in',
    output: ['out'],
  };
}

/** A writer and a critic answering each other forever: only a budget stops them. */
export function loopGraph(limits: Partial<Graph['limits']>): GraphInput {
  return {
    ...base,
    id: 'loop',
    name: 'Writer and critic',
    models: [{ id: 'm', provider: 'scripted', fallback: '{agent} says more about {input}' }],
    agents: [
      { id: 'writer', type: 'writer', kind: 'assistant', config: { model: 'm', stream: false, contextWindow: 2 } },
      { id: 'critic', type: 'critic', kind: 'assistant', config: { model: 'm', stream: false, contextWindow: 2 } },
    ],
    topics: [
      { id: 'in', type: 'loop.in' },
      { id: 'draft', type: 'loop.draft' },
      { id: 'critique', type: 'loop.critique' },
    ],
    subscriptions: [
      { id: 's1', topic: 'in', agent: 'writer' },
      { id: 's2', topic: 'critique', agent: 'writer' },
      { id: 's3', topic: 'draft', agent: 'critic' },
    ],
    publications: [
      { id: 'p1', agent: 'writer', topic: 'draft' },
      { id: 'p2', agent: 'critic', topic: 'critique' },
    ],
    entry: 'in',
    output: ['draft'],
    limits: {
      maxMessagesPerTurn: 100,
      maxTurnMs: 120_000,
      maxTokensPerSession: 1_000_000,
      allowedHosts: [],
      ...limits,
    },
  };
}

/** in → approver (user agent) → out. */
export function approvalGraph(timeoutMs = 60_000): GraphInput {
  return {
    ...base,
    id: 'approval',
    name: 'Approval',
    agents: [{ id: 'approver', type: 'approver', kind: 'user', config: { prompt: 'Approve?', timeoutMs } }],
    topics: [
      { id: 'in', type: 'approval.in' },
      { id: 'out', type: 'approval.out' },
    ],
    subscriptions: [{ id: 's1', topic: 'in', agent: 'approver' }],
    publications: [{ id: 'p1', agent: 'approver', topic: 'out' }],
    entry: 'in',
    output: ['out'],
  };
}

/** in → keeper (assistant with the memory tool, scripted to store then read a value) → out. */
export function memoryGraph(): GraphInput {
  return {
    ...base,
    id: 'memo',
    name: 'Memory',
    models: [
      {
        id: 'm',
        provider: 'scripted',
        rules: [
          {
            match: { regex: '^remember (\\S+)' },
            reply: 'stored',
            toolCalls: [{ name: 'memory', arguments: { action: 'set', key: 'color', value: 'from-rule' } }],
          },
        ],
        fallback: 'ok',
      },
    ],
    agents: [
      { id: 'keeper', type: 'keeper', kind: 'assistant', config: { model: 'm', stream: false, tools: ['memory'] } },
    ],
    topics: [
      { id: 'in', type: 'memo.in' },
      { id: 'out', type: 'memo.out' },
    ],
    subscriptions: [{ id: 's1', topic: 'in', agent: 'keeper' }],
    publications: [{ id: 'p1', agent: 'keeper', topic: 'out' }],
    entry: 'in',
    output: ['out'],
  };
}

/** in → echo → parts → gather (aggregator waiting for 3 parts, only 1 comes) → out. */
export function gatherGraph(timeoutMs: number): GraphInput {
  return {
    ...base,
    id: 'gather',
    name: 'Gather',
    models: [{ id: 'm', provider: 'scripted', fallback: 'part: {input}' }],
    agents: [
      { id: 'echo', type: 'echo', kind: 'assistant', config: { model: 'm', stream: false } },
      { id: 'gather', type: 'gather', kind: 'aggregator', config: { count: 3, timeoutMs } },
    ],
    topics: [
      { id: 'in', type: 'gather.in' },
      { id: 'parts', type: 'gather.parts' },
      { id: 'out', type: 'gather.out' },
    ],
    subscriptions: [
      { id: 's1', topic: 'in', agent: 'echo' },
      { id: 's2', topic: 'parts', agent: 'gather' },
    ],
    publications: [
      { id: 'p1', agent: 'echo', topic: 'parts' },
      { id: 'p2', agent: 'gather', topic: 'out' },
    ],
    entry: 'in',
    output: ['out'],
  };
}
