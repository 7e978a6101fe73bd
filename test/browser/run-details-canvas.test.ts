import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import type { Graph } from '../../schemas/graph.ts';
import { designerPage, POLL, screenshotOnFailure as shoot } from './designer-page.ts';
import { assistant, scripted, single } from './run-details-graphs.ts';
import { runDetailsSteps } from './run-details-steps.ts';
import type { TestRunner } from './runner.ts';

/** Issue 12, second pass: where the canvas puts a graph, the save toast, and the starter graph. */
const opened = designerPage();
let runner: TestRunner;
let page: Page;
beforeAll(() => ({ runner, page } = opened));
const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, 'run-details-canvas-', () => page);
const { snap, store, open, language } = runDetailsSteps(opened);

/** Five nodes in a row: a wide graph, fitted into a canvas made short by a tall run area. */
const CHAIN: Graph = {
  ...single('rd_chain', 'Drafter', 'writer-model', scripted('Scripted')),
  agents: [
    assistant('rd_chain_bot', 'Drafter', 'writer-model'),
    assistant('rd_chain_review', 'Reviewer', 'writer-model'),
  ],
  topics: [
    { id: 'ask', type: 'ask' },
    { id: 'draft', type: 'draft' },
    { id: 'answer', type: 'answer' },
  ],
  subscriptions: [
    { id: 's-1', topic: 'ask', agent: 'rd_chain_bot', kind: 'type' },
    { id: 's-2', topic: 'draft', agent: 'rd_chain_review', kind: 'type' },
  ],
  publications: [
    { id: 'p-1', agent: 'rd_chain_bot', topic: 'draft' },
    { id: 'p-2', agent: 'rd_chain_review', topic: 'answer' },
  ],
  layout: {
    nodes: {
      ask: { x: 0, y: 0 },
      rd_chain_bot: { x: 260, y: 0 },
      draft: { x: 520, y: 0 },
      rd_chain_review: { x: 780, y: 0 },
      answer: { x: 1040, y: 0 },
    },
  },
};

describe('the canvas', () => {
  const overlaps = async () => {
    const map = (await page.locator('.react-flow__minimap').boundingBox())!;
    const boxes = await page
      .locator('.react-flow__node')
      .evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().toJSON() as DOMRect));
    return boxes.filter(
      (b) => b.x < map.x + map.width && b.x + b.width > map.x && b.y < map.y + map.height && b.y + b.height > map.y,
    ).length;
  };

  it('opens a graph with no node under the minimap, in a short canvas too, and fits it so again', async (ctx) => {
    screenshotOnFailure(ctx);
    await store(CHAIN);
    await page.goto(`${runner.url}/`);
    await page.evaluate(() => localStorage.setItem('switchboard.runAreaHeight', '480'));
    await open(CHAIN);
    await page.reload(); // the run area reads its height when the app starts
    await page.waitForSelector('.react-flow__minimap');
    expect((await page.locator('[data-testid=canvas]').boundingBox())!.height).toBeLessThan(400);
    expect(await page.locator('.react-flow__node').count()).toBe(5);
    await expect.poll(overlaps, POLL).toBe(0);
    await snap('canvas-short-en');
    // Zoomed in and panned, then fitted with the F key.
    await page.mouse.move(600, 200);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -300);
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('f');
    await expect.poll(overlaps, POLL).toBe(0);
    await expect.poll(() => page.locator('.react-flow__node').count(), POLL).toBe(5);
    await page.evaluate(() => localStorage.removeItem('switchboard.runAreaHeight'));
  });

  it('shows the save toast over no node, no field and no button', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.keyboard.press('ControlOrMeta+S');
    const toast = page.locator('.toasts .toast').first();
    await toast.waitFor();
    const box = (await toast.boundingBox())!;
    const covered = await page.locator('.react-flow__node, aside.side, header button, header select').evaluateAll(
      (els, t) =>
        els.filter((el) => {
          const b = el.getBoundingClientRect();
          return b.x < t.x + t.width && b.x + b.width > t.x && b.y < t.y + t.height && b.y + b.height > t.y;
        }).length,
      box,
    );
    expect(covered).toBe(0);
    await snap('save-toast-en');
  });
});

describe('a new graph that answers at once', () => {
  it('starts from one assistant between the message and the reply, and runs with no setup', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/`);
    await page.click('[data-testid=new-starter]');
    await page.waitForSelector('.react-flow__node');
    expect(await page.locator('.react-flow__node').count()).toBe(3);
    expect(await page.locator('[data-testid=tab-problems]').textContent()).toBe('Problems (0)');
    await page.click('[data-testid=tab-run]');
    await page.click('[data-testid=start-session]');
    const chat = page.locator('[data-testid=chat]').last();
    await chat.locator('[data-testid=chat-input]').fill('hello there');
    await chat.locator('[data-testid=chat-send]').click();
    const reply = chat.locator('[data-testid=msg-output]');
    await expect.poll(() => reply.count(), POLL).toBe(1);
    expect(await reply.locator('.who-label').textContent()).toBe('Assistant');
    expect(await reply.locator('.text').textContent()).toMatch(/scripted stand-in/);
    await snap('starter-en');
  });
});

describe('the live canvas on a fast turn', () => {
  it('shows each agent the turn ran as working, though the turn is over within a frame, in English and Chinese', async (ctx) => {
    screenshotOnFailure(ctx);
    const graph: Graph = { ...CHAIN, id: 'rd_glow', name: 'Glow' };
    await store(graph);
    await open(graph);
    await page.click('[data-testid=tab-run]');
    await page.click('[data-testid=start-session]');
    const chat = page.locator('[data-testid=chat]').last();
    for (const [code, name] of [
      ['en', 'Working'],
      ['zh', '处理中'],
    ] as const) {
      await language(code);
      await chat.locator('[data-testid=chat-input]').fill(`hello in ${code}`);
      await chat.locator('[data-testid=chat-send]').click();
      const working = page.locator('[data-testid=node-agent-rd_chain_review][data-working]');
      await working.waitFor({ timeout: POLL.timeout });
      expect(await working.locator('.working-dot').getAttribute('aria-label')).toBe(name);
      await snap(`working-glow-${code}`);
      // The glow ends by itself once the turn is over.
      await expect.poll(() => page.locator('[data-working]').count(), POLL).toBe(0);
    }
    await language('en');
  });
});
