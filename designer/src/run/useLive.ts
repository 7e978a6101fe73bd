import { useMemo } from 'react';
import type { Graph } from '../../../schemas/graph.ts';
import type { Live } from '../canvas/project.ts';
import { edgesOfHop } from './flow.ts';
import { useRun } from './runStore.ts';

const EMPTY: Live = { working: new Set(), pulsing: new Set() };

/** What the canvas shows of running sessions, or of the replayed moment when a replay is open. */
export function useLive(graph: Graph): Live {
  const hops = useRun((s) => s.hops);
  const sessions = useRun((s) => s.sessions);
  const replay = useRun((s) => s.replay);
  return useMemo(() => {
    if (replay) {
      const message = replay.messages[replay.index];
      if (!message) return EMPTY;
      const hop = { sender: message.sender, topic: message.topic.type, recipients: message.recipients };
      return { working: new Set(message.recipients), pulsing: new Set(edgesOfHop(graph, hop)) };
    }
    if (hops.length === 0 && Object.values(sessions).every((s) => s.working.length === 0)) return EMPTY;
    const working = new Set(Object.values(sessions).flatMap((s) => s.working));
    const pulsing = new Set(hops.flatMap((h) => edgesOfHop(graph, h)));
    return { working, pulsing };
  }, [graph.agents, graph.topics, graph.subscriptions, graph.publications, hops, sessions, replay]);
}
