import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { liveGraph } from '../../bench/designer-live.ts';
import { WireClient } from '../../bench/wire-client.ts';
import { designerPage, POLL, screenshotOnFailure as shoot } from './designer-page.ts';

/**
 * What one live turn renders on a 300-agent graph, counted by the designer's render hook
 * (`window.__renders`, see designer/src/run/renderCount.ts), not timed. The turn is the live
 * bench's: ten agents in a chain, 20 messages; the other 290 agents hear nothing.
 */
const opened = designerPage();
let page: Page;
/** A second client in the session's room: it hears each turn's end even when the chat's line for it is scrolled out of the DOM. */
let listener: WireClient;
const turnEnds: string[] = [];
beforeAll(() => ({ page } = opened));
afterAll(() => listener?.close());

type Counts = Record<string, Record<string, number>>;
const CHAIN = new Set(Array.from({ length: 10 }, (_, i) => `a${i}`));

async function runTurn(content: string): Promise<Counts> {
  const chat = page.locator('[data-testid=chat]').last();
  const ends = turnEnds.length;
  await page.evaluate(() => ((window as unknown as { __renders: Counts }).__renders = {}));
  await chat.locator('[data-testid=chat-input]').fill(content);
  await chat.locator('[data-testid=chat-send]').click();
  await expect.poll(() => turnEnds.length, POLL).toBe(ends + 1);
  // The listener can hear the end before the page has drawn the turn: wait until its pulses were drawn.
  await expect
    .poll(
      () =>
        page.evaluate(() => Object.keys((window as unknown as { __renders: Counts }).__renders.LiveEdge ?? {}).length),
      POLL,
    )
    .toBeGreaterThan(0);
  // Until the last pulse has faded and no agent works: those renders belong to the turn too.
  await expect.poll(() => page.locator('.react-flow__edge-path.pulse, [data-working]').count(), POLL).toBe(0);
  return page.evaluate(() => (window as unknown as { __renders: Counts }).__renders);
}

describe('a live turn on a 300-agent graph', () => {
  it('renders only the nodes and edges the turn touched, and each new chat line once', async (ctx: TestContext) => {
    shoot(ctx, 'live-renders-', () => page);
    const graph = liveGraph(300, 'live-renders-300');
    const created = await fetch(`${opened.runner.url}/api/graphs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ graph }),
    });
    expect(created.status).toBe(201);
    await page.goto(`${opened.runner.url}/#/g/${graph.id}`);
    await page.waitForSelector('.react-flow__node');
    await page.click('[data-testid=tab-run]');
    await page.click('[data-testid=start-session]');
    const chat = page.locator('[data-testid=chat]');
    await chat.waitFor();
    listener = await WireClient.connect(opened.runner.url);
    listener.on('turn_end', (e) => turnEnds.push((e as { turnId: string }).turnId));
    expect(
      await listener.emitWithAck('session:join', { sessionId: await chat.getAttribute('data-session') }),
    ).toMatchObject({ ok: true });
    await runTurn('warm up');

    const counts = await runTurn('hello');
    const agents = counts.AgentNode ?? {};
    const edges = counts.LiveEdge ?? {};
    const lines = counts.ChatLine ?? {};
    // Hundreds of agents and edges are mounted; none the turn did not reach rendered.
    expect(await page.locator('.react-flow__node').count()).toBeGreaterThan(300);
    expect(Object.keys(agents).filter((id) => !CHAIN.has(id))).toEqual([]);
    expect(counts.TopicNode ?? {}).toEqual({});
    // An agent renders when it starts and when it stops working; an edge when its pulse starts and ends.
    expect(Object.keys(agents).length).toBeGreaterThan(0);
    expect(Math.max(...Object.values(agents))).toBeLessThanOrEqual(4);
    const travelled =
      graph.publications.filter((p) => CHAIN.has(p.agent)).length +
      graph.subscriptions.filter((s) => CHAIN.has(s.agent)).length;
    expect(Object.keys(edges).length).toBeGreaterThan(0);
    expect(Object.keys(edges).length).toBeLessThanOrEqual(travelled);
    expect(Math.max(...Object.values(edges))).toBeLessThanOrEqual(4);
    // The user's message, 19 replies and the turn's end: each new line once, no old line again.
    expect(Object.keys(lines)).toHaveLength(21);
    expect(Object.values(lines).every((n) => n === 1)).toBe(true);
    expect(await page.locator(`[data-testid=turn-end][data-turn="${turnEnds.at(-1)}"]`).count()).toBe(1);
    // The chat followed the turn to its end, without a layout forced per line.
    const scroller = page.locator('[data-testid=chat] .chat-items').last();
    const gap = await scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    expect(gap).toBeLessThan(2);
    expect(await scroller.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('[data-testid=chat] [data-testid=turn-end]').last().isVisible(), POLL)
      .toBe(true);
  });

  it('stops following the chat’s end while the person reads further up, and follows again at the end', async (ctx: TestContext) => {
    shoot(ctx, 'live-renders-', () => page);
    const scroller = page.locator('[data-testid=chat] .chat-items').last();
    const gap = () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    await scroller.evaluate((el) => (el.scrollTop = 40));
    await runTurn('while reading');
    // Lines measured above the view may shift it a little, to keep what is read in place.
    expect(await scroller.evaluate((el) => el.scrollTop)).toBeLessThan(200);
    expect(await gap()).toBeGreaterThan(500);
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await runTurn('back at the end');
    expect(await gap()).toBeLessThan(2);
  });
});
