import type { ElkNode } from 'elkjs/lib/elk-api.js';
import type { Graph } from '../../../schemas/graph.ts';
import type { Size } from '../store/editorStore.ts';
import { positionsOf, toElk } from './elkGraph.ts';

let worker: Worker | undefined;
let seq = 0;
const pending = new Map<number, { resolve: (n: ElkNode) => void; reject: (e: Error) => void }>();

function layoutWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./elk.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<{ id: number; laid?: ElkNode; error?: string }>) => {
    const job = pending.get(event.data.id);
    pending.delete(event.data.id);
    if (event.data.laid) job?.resolve(event.data.laid);
    else job?.reject(new Error(event.data.error ?? 'layout failed'));
  };
  return worker;
}

/** New positions for every node, computed by ELK in a Web Worker. */
export function autoLayout(
  graph: Graph,
  measured: Record<string, Size>,
): Promise<Record<string, { x: number; y: number }>> {
  const id = ++seq;
  return new Promise<ElkNode>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    layoutWorker().postMessage({ id, graph: toElk(graph, measured) });
  }).then(positionsOf);
}
