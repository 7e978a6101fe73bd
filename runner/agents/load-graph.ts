import type { Graph } from '../../schemas/graph.ts';
import { invalid } from '../errors.ts';
import type { AgentId } from '../runtime/ids.ts';
import { TypePrefixSubscription, TypeSubscription } from '../runtime/subscriptions.ts';
import type { Agent, AgentRuntime } from '../runtime/types.ts';
import type { AgentSetup, Outlet } from './base.ts';
import type { AgentEnv } from './env.ts';
import { GraphNames } from './graph-names.ts';
import { agentClassOf } from './kinds.ts';

/** One graph version loaded into a shared runtime under its namespace. */
export interface LoadedGraph {
  readonly namespace: string;
  /** Runtime topic type where a user's message enters (publish it with source = session id). */
  readonly entryTopicType: string;
  /** Runtime topic types whose messages the user sees. */
  readonly outputTopicTypes: Set<string>;
  /** Runtime topic type of a topic node id; throws for an unknown id. */
  topicTypeOf(topicNodeId: string): string;
  /** Graph topic type of a runtime topic type, or undefined when it belongs to another graph. */
  graphTopicType(runtimeTopicType: string): string | undefined;
  /** Graph agent type of a runtime agent type, or undefined when it belongs to another graph. */
  agentTypeOf(runtimeAgentType: string): string | undefined;
  /**
   * Removes the graph's subscriptions and marks its factories dead (the runtime has no way to
   * unregister a factory): creating one of its agents afterwards fails with a clear error.
   * Call it once no session uses this version. The namespace can be loaded again afterwards.
   */
  unload(): void;
}

/** A registered factory whose target can be swapped, so an unloaded namespace can be loaded again. */
interface FactorySlot {
  make: ((id: AgentId) => Agent) | null;
}

const slotsByRuntime = new WeakMap<AgentRuntime, Map<string, FactorySlot>>();
const liveByRuntime = new WeakMap<AgentRuntime, Set<string>>();

function slotFor(runtime: AgentRuntime, agentType: string): FactorySlot {
  let slots = slotsByRuntime.get(runtime);
  if (!slots) slotsByRuntime.set(runtime, (slots = new Map()));
  let slot = slots.get(agentType);
  if (!slot) {
    const created: FactorySlot = { make: null };
    runtime.registerFactory(agentType, (id) => {
      if (!created.make) throw new Error(`agent type "${id.type}" belongs to a graph that was unloaded`);
      return created.make(id);
    });
    slots.set(agentType, (slot = created));
  }
  return slot;
}

/**
 * Turns a validated graph into factories and subscriptions in a shared runtime. Many graphs and
 * versions share one runtime, so every agent type and topic type is prefixed with `namespace`
 * (see GraphNames); sessions stay apart because the topic source, hence the agent key, is the
 * session id.
 */
export function loadGraph(runtime: AgentRuntime, graph: Graph, env: AgentEnv, namespace: string): LoadedGraph {
  const names = new GraphNames(namespace, graph);
  let live = liveByRuntime.get(runtime);
  if (!live) liveByRuntime.set(runtime, (live = new Set()));
  if (live.has(namespace)) throw invalid(`namespace "${namespace}" is already loaded in this runtime`, { namespace });
  const entryTopicType = names.topicType(graph.entry);
  const outputTopicTypes = new Set(graph.output.map((id) => names.topicType(id)));

  const agentsById = new Map(graph.agents.map((a) => [a.id, a]));
  const topicsById = new Map(graph.topics.map((t) => [t.id, t]));
  const outletsOf = (agentId: string): Outlet[] =>
    graph.publications
      .filter((p) => p.agent === agentId)
      .map((p) => ({
        topicId: p.topic,
        graphType: topicsById.get(p.topic)?.type ?? p.topic,
        runtimeType: names.topicType(p.topic),
      }));

  const slots: FactorySlot[] = [];
  const subscriptionIds: string[] = [];
  const unload = () => {
    for (const id of subscriptionIds.splice(0)) runtime.removeSubscription(id);
    for (const slot of slots.splice(0)) slot.make = null;
    live.delete(namespace);
  };

  try {
    for (const def of graph.agents) {
      const setup: AgentSetup = { def, env, runtime, names, outlets: outletsOf(def.id) };
      const Kind = agentClassOf(def.kind);
      const slot = slotFor(runtime, names.agentType(def.type));
      slot.make = (id) => new Kind(id, setup as never);
      slots.push(slot);
    }
    for (const sub of graph.subscriptions) {
      const agent = agentsById.get(sub.agent);
      if (!agent)
        throw invalid(`subscriptions: "${sub.id}" names agent "${sub.agent}", which the graph does not have`, {
          subscription: sub.id,
        });
      const topicType = names.topicType(sub.topic);
      const agentType = names.agentType(agent.type);
      const id = `${namespace}/${sub.id}`;
      runtime.addSubscription(
        sub.kind === 'prefix'
          ? new TypePrefixSubscription(topicType, agentType, id)
          : new TypeSubscription(topicType, agentType, id),
      );
      subscriptionIds.push(id);
    }
  } catch (e) {
    unload();
    throw e;
  }
  live.add(namespace);

  return {
    namespace,
    entryTopicType,
    outputTopicTypes,
    topicTypeOf: (id) => names.topicType(id),
    graphTopicType: (t) => names.graphTopicType(t),
    agentTypeOf: (t) => names.graphAgentType(t),
    unload,
  };
}
