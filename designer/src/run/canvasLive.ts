import { useEffect } from 'react';
import { create } from 'zustand';
import type { Graph } from '../../../schemas/graph.ts';
import { edgesOfHop, type Wiring } from './flow.ts';
import { useRun } from './runStore.ts';

/**
 * What the canvas shows of running sessions, kept apart from the nodes and edges React Flow
 * diffs: each agent node and edge selects its own flag, so a live event re-renders the few it
 * touches instead of rebuilding and re-syncing the whole graph.
 */
export type CanvasLive = { working: ReadonlySet<string>; pulsing: ReadonlySet<string> };

const NONE: ReadonlySet<string> = new Set();
export const useCanvasLive = create<CanvasLive>(() => ({ working: NONE, pulsing: NONE }));

/** Whether the agent of this type is working now (or, in a replay, at the replayed moment). */
export const useWorking = (agentType: string) => useCanvasLive((s) => s.working.has(agentType));
/** Whether a message travelled this edge in the last moments. */
export const usePulsing = (edgeId: string) => useCanvasLive((s) => s.pulsing.has(edgeId));

/** The live state from the run store: the replayed moment when a replay is open, else every open session. */
function liveOf(graph: Wiring, run: ReturnType<typeof useRun.getState>): CanvasLive {
  if (run.replay) {
    const message = run.replay.messages[run.replay.index];
    if (!message) return { working: NONE, pulsing: NONE };
    return { working: new Set(message.recipients), pulsing: new Set(edgesOfHop(graph, { sender: message.sender, topic: message.topic.type, recipients: message.recipients })) };
  }
  const working = new Set<string>();
  for (const id of run.order) for (const agent of run.sessions[id]?.working ?? []) working.add(agent);
  const pulsing = new Set<string>();
  for (const hop of run.hops) for (const edge of edgesOfHop(graph, hop)) pulsing.add(edge);
  return { working: working.size ? working : NONE, pulsing: pulsing.size ? pulsing : NONE };
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x));

/** Keeps the canvas's live state in step with the run store for the open graph's wiring. */
export function useCanvasLiveSync(graph: Graph): void {
  const { agents, topics, subscriptions, publications } = graph;
  useEffect(() => {
    const wiring = { agents, topics, subscriptions, publications };
    const sync = () => {
      const next = liveOf(wiring, useRun.getState());
      const now = useCanvasLive.getState();
      if (sameSet(now.working, next.working) && sameSet(now.pulsing, next.pulsing)) return;
      useCanvasLive.setState(next);
    };
    sync();
    const stop = useRun.subscribe(sync);
    return () => {
      stop();
      useCanvasLive.setState({ working: NONE, pulsing: NONE });
    };
  }, [agents, topics, subscriptions, publications]);
}
