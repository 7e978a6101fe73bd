import { useEffect } from 'react';
import type { Graph } from '../../../schemas/graph.ts';
import { edgesOfHop, type Wiring } from './flow.ts';
import { keyedFlags, useFlag } from './keyedFlags.ts';
import { useRun } from './runStore.ts';

/**
 * What the canvas shows of running sessions, kept apart from the nodes and edges React Flow
 * diffs: each agent node and edge watches its own key, so a live event re-renders the few it
 * touches, and wakes no listener of the others.
 */
const working = keyedFlags();
const pulsing = keyedFlags();

/** Whether the agent of this type is working now (or, in a replay, at the replayed moment). */
export const useWorking = (agentType: string) => useFlag(working, agentType);
/** Whether a message travelled this edge in the last moments. */
export const usePulsing = (edgeId: string) => useFlag(pulsing, edgeId);

const NONE: ReadonlySet<string> = new Set();
type Live = { working: ReadonlySet<string>; pulsing: ReadonlySet<string> };

/** The live state from the run store: the replayed moment when a replay is open, else every open session. */
function liveOf(graph: Wiring, run: ReturnType<typeof useRun.getState>): Live {
  if (run.replay) {
    const message = run.replay.messages[run.replay.index];
    if (!message) return { working: NONE, pulsing: NONE };
    return {
      working: new Set(message.recipients),
      pulsing: new Set(
        edgesOfHop(graph, { sender: message.sender, topic: message.topic.type, recipients: message.recipients }),
      ),
    };
  }
  const working = new Set<string>();
  for (const id of run.order) for (const agent of run.sessions[id]?.working ?? []) working.add(agent);
  for (const glow of run.glows) working.add(glow.agent);
  const pulsing = new Set<string>();
  for (const hop of run.hops) for (const edge of edgesOfHop(graph, hop)) pulsing.add(edge);
  return { working, pulsing };
}

/** Keeps the canvas's live state in step with the run store for the open graph's wiring. */
export function useCanvasLiveSync(graph: Graph): void {
  const { agents, topics, subscriptions, publications } = graph;
  useEffect(() => {
    const wiring = { agents, topics, subscriptions, publications };
    const sync = () => {
      const next = liveOf(wiring, useRun.getState());
      working.replace(next.working);
      pulsing.replace(next.pulsing);
    };
    sync();
    const stop = useRun.subscribe(sync);
    return () => {
      stop();
      working.replace(NONE);
      pulsing.replace(NONE);
    };
  }, [agents, topics, subscriptions, publications]);
}
