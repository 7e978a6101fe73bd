import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api.js';

/** Runs ELK off the main thread: the canvas stays responsive while a large graph is laid out. */
const elk = new ELK();

self.onmessage = async (event: MessageEvent<{ id: number; graph: ElkNode }>) => {
  const { id, graph } = event.data;
  try {
    const laid = await elk.layout(graph);
    self.postMessage({ id, laid });
  } catch (e) {
    self.postMessage({ id, error: (e as Error).message });
  }
};
