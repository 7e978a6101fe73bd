import { GRAPH_FORMAT, GRAPH_VERSION, type Graph } from '../schemas/graph.ts';
import { ensureChromium, ensureDesignerBuilt, launchChromium } from '../test/browser/chromium.ts';
import { startTestRunner } from '../test/browser/runner.ts';
import { measureLive } from './designer-live.ts';

/**
 * The designer on large graphs, in Chromium against the real runner: time from navigation to the
 * first painted nodes, and the frame time while panning, for 1,000 nodes beside 100; and what a
 * live turn costs the page (designer-live.ts).
 */

const PAN_STEPS = 120;

/** A chain of agents and topics laid out on a grid, valid and runnable, opened at zoom 0.5. */
export function generatedGraph(nodes: number): Graph {
  const pairs = Math.floor(nodes / 2);
  const columns = Math.ceil(Math.sqrt(nodes));
  const at = (i: number) => ({ x: (i % columns) * 260, y: Math.floor(i / columns) * 140 });
  const topics = Array.from({ length: pairs }, (_, i) => ({ id: `t${i}`, type: `topic_${i}` }));
  const agents = Array.from({ length: pairs }, (_, i) => ({
    id: `a${i}`,
    type: `agent_${i}`,
    kind: 'assistant' as const,
    config: { model: 'scripted', systemMessage: '', tools: [], contextWindow: 50, maxToolRounds: 5, stream: true },
  }));
  const layoutNodes: Graph['layout']['nodes'] = {};
  for (let i = 0; i < pairs; i++) {
    layoutNodes[`t${i}`] = at(2 * i);
    layoutNodes[`a${i}`] = at(2 * i + 1);
  }
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    id: `bench-${nodes}`,
    name: `Bench ${nodes} nodes`,
    description: '',
    models: [{ id: 'scripted', provider: 'scripted', rules: [], fallback: '{agent}: {input}', tokenSize: 4 }],
    agents,
    topics,
    subscriptions: agents.map((a, i) => ({ id: `s${i}`, topic: `t${i}`, agent: a.id, kind: 'type' as const })),
    publications: agents.slice(0, -1).map((a, i) => ({ id: `p${i}`, agent: a.id, topic: `t${i + 1}` })),
    entry: 't0',
    output: [`t${pairs - 1}`],
    limits: { maxMessagesPerTurn: 100, maxTurnMs: 120_000, maxTokensPerSession: 1_000_000, allowedHosts: [] },
    layout: { nodes: layoutNodes, viewport: { x: 40, y: 40, zoom: 0.5 } },
    meta: { tags: [] },
  };
}

/** Records, relative to navigation start, when the first node is painted visible. */
const FIRST_RENDER_PROBE = `
  (() => {
    const tick = () => {
      const node = document.querySelector('.react-flow__node');
      if (node && getComputedStyle(node).visibility === 'visible') {
        window.__firstRender = performance.now();
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })();
`;

/** The point nearest the given one where the pane itself (no node or edge) is under the mouse. */
const EMPTY_PANE_POINT = `
  ([cx, cy]) => {
    for (let r = 0; r < 400; r += 7)
      for (let a = 0; a < 360; a += 30) {
        const x = cx + r * Math.cos(a), y = cy + r * Math.sin(a);
        if (document.elementFromPoint(x, y)?.classList.contains('react-flow__pane')) return [x, y];
      }
    return [cx, cy];
  }
`;

/** Collects requestAnimationFrame deltas until stopped. Source text, so the page gets it as written. */
const FRAME_RECORDER = `
  (() => {
    const deltas = [];
    let last = performance.now();
    let running = true;
    const tick = (now) => {
      deltas.push(now - last);
      last = now;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
    window.__stopFrames = () => {
      running = false;
      return { mean: deltas.reduce((s, d) => s + d, 0) / Math.max(1, deltas.length), frames: deltas.length };
    };
  })()
`;

export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  ensureChromium();
  ensureDesignerBuilt();
  const runner = await startTestRunner();
  const browser = await launchChromium();
  try {
    let runs = 0;
    const measure = async (nodes: number) => {
      const graph = { ...generatedGraph(nodes), id: `bench-${nodes}-${++runs}` };
      const created = await fetch(`${runner.url}/api/graphs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ graph }),
      });
      if (!created.ok)
        throw new Error(`could not store the ${nodes}-node graph: ${created.status} ${await created.text()}`);
      const page = await browser.context.newPage();
      await page.addInitScript(FIRST_RENDER_PROBE);
      await page.goto(`${runner.url}/#/g/${graph.id}`);
      await page.waitForFunction(
        () => (window as unknown as { __firstRender?: number }).__firstRender !== undefined,
        undefined,
        { timeout: 60_000 },
      );
      const firstRender = (await page.evaluate('window.__firstRender')) as number;
      const phases = (await page.evaluate(`({
        scripts: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
        graph: performance.getEntriesByType('resource').find((e) => e.name.includes('/api/graphs/'))?.responseEnd ?? 0,
      })`)) as { scripts: number; graph: number };
      await page.waitForTimeout(500);
      const canvas = (await page.locator('[data-testid=canvas]').boundingBox())!;
      // Grab empty pane, not a node: dragging a node would move it (and auto-pan) instead.
      const start = (await page.evaluate(
        `(${EMPTY_PANE_POINT})(${JSON.stringify([canvas.x + canvas.width / 2, canvas.y + canvas.height / 2])})`,
      )) as [number, number];
      const [x0, y0] = start;
      await page.mouse.move(x0, y0);
      await page.mouse.down();
      await page.evaluate(FRAME_RECORDER);
      // Out and back with real input events: reveals nodes that were off-screen, as panning does.
      for (let i = 1; i <= PAN_STEPS; i++) {
        const offset = (i <= PAN_STEPS / 2 ? i : PAN_STEPS - i) * 12;
        await page.mouse.move(x0 - offset, y0 - offset * 0.6);
      }
      const frames = (await page.evaluate('window.__stopFrames()')) as { mean: number; frames: number };
      await page.mouse.up();
      const moved = await page.locator('.react-flow__viewport').evaluate((el) => getComputedStyle(el).transform);
      const frame = frames.mean;
      const rendered = await page.locator('.react-flow__node').count();
      log(
        `${nodes} nodes: first render ${firstRender.toFixed(0)} ms (scripts loaded at ${phases.scripts.toFixed(0)}, graph received at ${phases.graph.toFixed(0)}), frame ${frame.toFixed(2)} ms while panning over ${frames.frames} frames (${rendered} nodes in the DOM; viewport after pan ${moved})`,
      );
      await page.close();
      return { firstRender, frame };
    };
    await measure(100); // warm-up: the first page load also fills the HTTP cache
    const small = await measure(100);
    const large = await measure(1000);
    const live = await measureLive(runner, browser, log);
    return {
      ...live,
      first_render_ms_1000: Math.round(large.firstRender),
      first_render_ms_100: Math.round(small.firstRender),
      frame_time_ms_1000: large.frame,
      frame_time_ms_100: small.frame,
      frame_time_ratio_1000_vs_100: large.frame / small.frame,
    };
  } finally {
    await browser.close();
    await runner.close();
  }
}
