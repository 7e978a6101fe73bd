import { loadavg } from 'node:os';
import type { CDPSession, Page } from 'playwright-core';
import type { Graph } from '../schemas/graph.ts';
import type { Browser } from '../test/browser/chromium.ts';
import type { TestRunner } from '../test/browser/runner.ts';
import { generatedGraph } from './designer.ts';
import { WireClient } from './wire-client.ts';

/**
 * What one live turn costs the designer's page, on a 10- and a 300-agent graph. Both graphs run
 * the same 20-message turn: ten agents in a chain, each but the last publishing to the next topic
 * and to an output log (user + 9 × 2 + 1 = 20 messages). The 300-agent graph adds 290 agents no
 * message reaches, so what grows between the two is the graph alone.
 *
 * Script time is Chromium's own count (Performance.getMetrics ScriptDuration) from the send to
 * the chat showing the turn's end; the lag is from the runner stamping its `turn_end` to the
 * page adding that line, on the same machine clock.
 */

const CHAIN = 10;
const TURN_MESSAGES = 20;
/** How long an edge pulse lasts (PULSE_MS in the designer) plus a margin: a measured turn starts on a quiet page. */
const SETTLE_MS = 2_800;
const LONG_SESSION_TURNS = 20;

/**
 * The chain's last agent: a router that always takes its default, the log. The idle agents hang
 * off a rule that never matches, so the graph's checks see them reached while no message is.
 */
function lastOfChain(agent: Graph['agents'][number], idleAfter: boolean): Graph['agents'][number] {
  const rules = idleAfter
    ? [{ match: 'keyword' as const, value: 'no message says this', caseSensitive: false, topic: `t${CHAIN}` }]
    : [];
  return { id: agent.id, type: agent.type, kind: 'router', config: { mode: 'rules', rules, defaultTopic: 'log' } };
}

/** `agents` agents; the first ten make the measured turn, the rest are idle and never reached. */
export function liveGraph(agents: number, id: string): Graph {
  const base = generatedGraph(2 * agents);
  const log = { id: 'log', type: 'log' };
  const chain = (i: number) => i < CHAIN;
  return {
    ...base,
    id,
    name: `Live bench ${agents} agents`,
    models: [{ id: 'scripted', provider: 'scripted', rules: [], fallback: '{agent} got it', tokenSize: 4 }],
    agents: base.agents.map((a, i) =>
      i === CHAIN - 1
        ? lastOfChain(a, agents > CHAIN)
        : a.kind === 'assistant'
          ? { ...a, config: { ...a.config, stream: false } }
          : a,
    ),
    topics: [...base.topics, log],
    publications: [
      ...base.publications.filter((_, i) => i !== CHAIN - 1),
      ...(agents > CHAIN ? [{ id: `p${CHAIN - 1}`, agent: `a${CHAIN - 1}`, topic: `t${CHAIN}` }] : []),
      ...base.agents.filter((_, i) => chain(i)).map((a) => ({ id: `log-${a.id}`, agent: a.id, topic: log.id })),
    ],
    output: [log.id],
    limits: { ...base.limits, maxMessagesPerTurn: 100 },
    layout: { ...base.layout, nodes: { ...base.layout.nodes, log: { x: -300, y: 0 } } },
  };
}

/** Records, on the machine clock, when each turn's end line is first added to the page. */
const TURN_END_PROBE = `
  (() => {
    window.__turnEndSeen = {};
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes) {
          if (!(n instanceof Element)) continue;
          const ends = n.matches('[data-testid=turn-end]') ? [n] : n.querySelectorAll('[data-testid=turn-end]');
          for (const end of ends) {
            const turn = end.getAttribute('data-turn');
            if (turn && !(turn in window.__turnEndSeen)) window.__turnEndSeen[turn] = Date.now();
          }
        }
    }).observe(document, { childList: true, subtree: true });
  })();
`;

/** Chromium's page metrics: durations in seconds, counts as counts. */
async function pageMetrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

/**
 * `scriptMs` is wall time in script, so other processes on the machine inflate it; `threadMs`
 * is the main thread's CPU time over the whole turn (script, style, layout, paint), which they
 * do not. The heap, DOM nodes and listeners after the turn show whether anything piles up.
 */
type TurnCost = {
  scriptMs: number;
  threadMs: number;
  lagMs: number;
  messages: number;
  heapMb: number;
  nodes: number;
  listeners: number;
};
const describeCost = (c: TurnCost) =>
  `${c.scriptMs.toFixed(1)} ms script (main thread busy ${c.threadMs.toFixed(1)} ms of CPU) for ${c.messages} messages (${(c.scriptMs / c.messages).toFixed(2)} ms each), turn end shown ${c.lagMs} ms after the runner sent it; page heap ${c.heapMb.toFixed(1)} MB, ${c.nodes} DOM nodes, ${c.listeners} listeners`;

/** A session opened from the page's run panel, driven from a second socket client. */
async function openSession(runner: TestRunner, page: Page) {
  await page.click('[data-testid=tab-run]');
  await page.click('[data-testid=start-session]');
  const chat = page.locator('[data-testid=chat]').last();
  await chat.waitFor();
  const sessionId = (await chat.getAttribute('data-session'))!;
  const client = await WireClient.connect(runner.url);
  const ends = new Map<string, { time: number; reason: string }>();
  const waiting = new Map<string, () => void>();
  let messages = 0;
  client.on('message', () => messages++);
  client.on('turn_end', (data) => {
    const e = data as { turnId: string; time: number; reason: string };
    ends.set(e.turnId, e);
    waiting.get(e.turnId)?.();
  });
  const joined = (await client.emitWithAck('session:join', { sessionId })) as { ok: boolean; error?: unknown };
  if (!joined.ok) throw new Error(`could not join the bench session: ${JSON.stringify(joined.error)}`);

  /** Sends one message; resolves when the page shows the turn's end. */
  const turn = async (content: string, cdp?: CDPSession): Promise<TurnCost> => {
    const before = cdp ? await pageMetrics(cdp) : {};
    const counted = messages;
    const sent = (await client.emitWithAck('session:send', { sessionId, content })) as {
      ok: boolean;
      turnId: string;
      error?: unknown;
    };
    if (!sent.ok) throw new Error(`send failed: ${JSON.stringify(sent.error)}`);
    if (!ends.has(sent.turnId)) await new Promise<void>((resolve) => waiting.set(sent.turnId, resolve));
    const end = ends.get(sent.turnId)!;
    if (end.reason !== 'completed') throw new Error(`the bench turn ended with ${end.reason}`);
    await page.waitForFunction(
      (turnId) => (window as unknown as { __turnEndSeen: Record<string, number> }).__turnEndSeen[turnId] !== undefined,
      sent.turnId,
      { timeout: 120_000, polling: 10 },
    );
    const seen = (await page.evaluate(
      (turnId) => (window as unknown as { __turnEndSeen: Record<string, number> }).__turnEndSeen[turnId]!,
      sent.turnId,
    )) as number;
    const after = cdp ? await pageMetrics(cdp) : {};
    const ms = (name: string) => ((after[name] ?? 0) - (before[name] ?? 0)) * 1000;
    return {
      scriptMs: ms('ScriptDuration'),
      threadMs: ms('ThreadTime'),
      lagMs: seen - end.time,
      messages: messages - counted,
      heapMb: (after.JSHeapUsedSize ?? 0) / 1e6,
      nodes: after.Nodes ?? 0,
      listeners: after.JSEventListeners ?? 0,
    };
  };
  return { turn, close: () => client.close() };
}

async function openGraph(runner: TestRunner, browser: Browser, graph: Graph): Promise<{ page: Page; cdp: CDPSession }> {
  const created = await fetch(`${runner.url}/api/graphs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph }),
  });
  if (!created.ok) throw new Error(`could not store ${graph.id}: ${created.status} ${await created.text()}`);
  const page = await browser.context.newPage();
  await page.addInitScript(TURN_END_PROBE);
  await page.goto(`${runner.url}/#/g/${graph.id}`);
  await page.waitForSelector('.react-flow__node');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return { page, cdp };
}

/**
 * One turn's script time swings by 2-3x between runs (GC, compositor, the runner's own timing),
 * so each figure is the median of RUNS independent measurements, each on graphs of its own.
 */
const RUNS = 5;

export async function measureLive(
  runner: TestRunner,
  browser: Browser,
  log: (s: string) => void,
): Promise<Record<string, number>> {
  const runs: Record<string, number>[] = [];
  for (let run = 1; run <= RUNS; run++)
    runs.push(await measureLiveOnce(runner, browser, (s) => log(`run ${run}/${RUNS}: ${s}`), run));
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  return Object.fromEntries(Object.keys(runs[0]!).map((name) => [name, median(runs.map((r) => r[name]!))]));
}

async function measureLiveOnce(
  runner: TestRunner,
  browser: Browser,
  log: (s: string) => void,
  run: number,
): Promise<Record<string, number>> {
  const quiet = (page: Page) => page.waitForTimeout(SETTLE_MS);
  const perMessage = (c: TurnCost) => c.scriptMs / c.messages;

  /** A warm-up turn (code paths compiled), then the measured first turn of a second session. */
  const firstTurn = async (agents: number) => {
    const { page, cdp } = await openGraph(runner, browser, liveGraph(agents, `live-${agents}-${run}`));
    const warm = await openSession(runner, page);
    await warm.turn('warm up');
    warm.close();
    const session = await openSession(runner, page);
    await quiet(page);
    const cost = await session.turn('hello', cdp);
    if (cost.messages !== TURN_MESSAGES)
      throw new Error(`the bench turn had ${cost.messages} messages, not ${TURN_MESSAGES}`);
    log(`${agents} agents, turn 1: ${describeCost(cost)}`);
    return { page, cdp, session, cost };
  };

  const small = await firstTurn(CHAIN);
  small.session.close();
  await small.page.close();
  const large = await firstTurn(300);
  for (let n = 2; n < LONG_SESSION_TURNS; n++) await large.session.turn(`turn ${n}`);
  await quiet(large.page);
  const last = await large.session.turn(`turn ${LONG_SESSION_TURNS}`, large.cdp);
  log(`300 agents, turn ${LONG_SESSION_TURNS}: ${describeCost(last)}`);
  // The runner runs in this process: its heap after each run shows whether sessions pile up there.
  log(`runner heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, load average ${loadavg()[0]!.toFixed(2)}`);
  large.session.close();
  await large.page.close();

  return {
    live_turn_script_ms_300: Math.round(large.cost.scriptMs),
    live_turn_script_ms_10: Math.round(small.cost.scriptMs),
    live_ms_per_message_ratio_300_vs_10: perMessage(large.cost) / perMessage(small.cost),
    live_turn_end_lag_ms_300: large.cost.lagMs,
    live_ms_per_message_ratio_turn20_vs_turn1: perMessage(last) / perMessage(large.cost),
  };
}
