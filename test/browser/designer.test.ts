import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { designerPage, POLL, screenshotOnFailure as shoot } from './designer-page.ts';
import type { TestRunner } from './runner.ts';
import type { Browser } from './chromium.ts';

const GRAPH_NAME = 'Browser built pipeline';

const opened = designerPage();
let runner: TestRunner;
let browser: Browser;
let page: Page;
beforeAll(() => {
  ({ runner, browser, page } = opened);
});
let graphId: string;

const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, '', () => page);

async function centre(selector: string) {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags from one handle to another with real mouse events, as a person would. */
async function connect(from: string, to: string) {
  const a = await centre(`${from} .react-flow__handle.source`);
  const b = await centre(`${to} .react-flow__handle.target`);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

async function dropFromPalette(item: string, at: { x: number; y: number }) {
  await page.dragAndDrop(`[data-testid=palette-${item}]`, '[data-testid=canvas] .react-flow__pane', {
    targetPosition: at,
  });
}

const edgeCount = () => page.locator('.react-flow__edge').count();

describe('designer in Chromium against the real runner', () => {
  it('builds a two-agent graph by dragging from the palette and connecting handles', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/`);
    await page.click('[data-testid=new-graph]');
    await page.waitForSelector('[data-testid=node-topic-user_input]');
    graphId = /#\/g\/(.+)$/.exec(page.url())![1]!;

    await dropFromPalette('agent-assistant', { x: 200, y: 80 });
    await page.waitForSelector('[data-testid=node-agent-assistant]');
    await dropFromPalette('topic', { x: 330, y: 300 });
    await page.waitForSelector('[data-testid=node-topic-topic]');
    await dropFromPalette('agent-assistant', { x: 480, y: 80 });
    await page.waitForSelector('[data-testid=node-agent-assistant_2]');

    await connect('[data-testid=node-topic-user_input]', '[data-testid=node-agent-assistant]');
    await connect('[data-testid=node-agent-assistant]', '[data-testid=node-topic-topic]');
    await connect('[data-testid=node-topic-topic]', '[data-testid=node-agent-assistant_2]');
    await connect('[data-testid=node-agent-assistant_2]', '[data-testid=node-topic-reply]');
    await expect.poll(edgeCount, POLL).toBe(4);
    await expect
      .poll(() => page.locator('[data-testid=node-topic-topic] [data-testid=topic-subscribers]').textContent(), POLL)
      .toBe('1 subscriber');
    await page.click('[data-testid=tab-problems]');
    await expect
      .poll(() => page.locator('[data-testid=validation-panel]').textContent(), POLL)
      .toContain('No problems');
  });

  it('refuses an agent → agent connection with a visible hint', async (ctx) => {
    screenshotOnFailure(ctx);
    await connect('[data-testid=node-agent-assistant]', '[data-testid=node-agent-assistant_2]');
    await expect
      .poll(() => page.locator('[data-testid=connection-hint]').textContent(), POLL)
      .toContain('agent → topic → agent');
    expect(await edgeCount()).toBe(4);
  });

  it('saves, and finds the graph again after a reload', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    await page.click('[data-testid=tab-inspector]');
    await page.fill('[data-testid=graph-name]', GRAPH_NAME);
    await page.press('[data-testid=graph-name]', 'Enter');
    await page.click('[data-testid=save]');
    await expect.poll(() => page.locator('[data-testid=save-status]').textContent(), POLL).toBe('Saved · v2');

    await page.goto(`${runner.url}/#/`);
    await page.reload();
    await page.fill('[data-testid=graph-search]', 'browser built');
    const card = page.locator(`[data-testid=graph-card][data-graph-id="${graphId}"]`);
    await expect.poll(() => card.textContent(), POLL).toContain(GRAPH_NAME);
    expect(await page.locator('[data-testid=graph-card]').count()).toBe(1);
    await card.locator('a').click();
    await page.waitForSelector('[data-testid=node-agent-assistant_2]');
    expect(await edgeCount()).toBe(4);
  });

  it('runs a session: the reply streams into the chat, the working agent and the edges it travelled light up', async (ctx) => {
    screenshotOnFailure(ctx);
    // Pulses fade after a moment: record that one was ever shown.
    await page.evaluate(() => {
      const seen = ((window as unknown as { __pulsed: boolean }).__pulsed = false);
      void seen;
      new MutationObserver(() => {
        if (document.querySelector('.react-flow__edge-path.pulse'))
          (window as unknown as { __pulsed: boolean }).__pulsed = true;
        if (document.querySelector('[data-working]')) (window as unknown as { __worked: boolean }).__worked = true;
      }).observe(document.body, {
        subtree: true,
        attributes: true,
        attributeFilter: ['class', 'data-working'],
        childList: true,
      });
    });
    await page.click('[data-testid=tab-run]');
    await page.click('[data-testid=start-session]');
    await page.waitForSelector('[data-testid=chat]');
    await page.fill('[data-testid=chat-input]', 'hello graph');
    await page.click('[data-testid=chat-send]');
    const reply = page.locator('[data-testid=msg-output]').last();
    await expect.poll(() => reply.textContent(), POLL).toContain('hello graph');
    expect(await reply.textContent()).toContain('assistant_2');
    // Tokens arrived before the final message: the reply replaced a streaming line. (The page
    // renders once per frame, so a stream as fast as the scripted model's may never be painted.)
    expect(await reply.getAttribute('data-streamed')).toBe('true');
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __pulsed: boolean }).__pulsed), POLL)
      .toBe(true);
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __worked: boolean }).__worked), POLL)
      .toBe(true);
    await expect.poll(() => page.locator('[data-testid=turn-end]').count(), POLL).toBeGreaterThan(0);
  });

  it('exports, and re-imports to an equal graph', async (ctx) => {
    screenshotOnFailure(ctx);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export]')]);
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as Record<string, unknown>;
    expect(exported.manifest).toMatchObject({ agentKinds: ['assistant'] });

    await page.click('[data-testid=import-open]');
    await page.fill('[data-testid=import-text]', JSON.stringify(exported));
    await expect.poll(() => page.locator('[data-testid=import-result]').textContent(), POLL).toContain(GRAPH_NAME);
    // Its id is taken by the graph it came from: imported as a copy, with a new id and a marked name.
    await page.click('[data-testid=import-confirm]');
    await page.click('[data-testid=import-as-copy]');
    await page.waitForURL((url) => !url.hash.endsWith(graphId));
    await page.waitForSelector('[data-testid=node-agent-assistant_2]');
    const importedId = /#\/g\/(.+)$/.exec(page.url())![1]!;

    const stored = (await (await fetch(`${runner.url}/api/graphs/${importedId}`)).json()) as {
      graph: Record<string, unknown>;
    };
    const { manifest: _m, id: _exportedId, ...expected } = exported;
    const { id: _importedId, ...actual } = stored.graph;
    expect(actual).toEqual({ ...expected, name: `${GRAPH_NAME} (copy)` });
  });

  it('shows a conflict when another tab saved first, and overwrites nothing', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/#/g/${graphId}`);
    await page.waitForSelector('[data-testid=node-agent-assistant]');
    const other = await browser.context.newPage();
    try {
      await other.goto(`${runner.url}/#/g/${graphId}`);
      await other.waitForSelector('[data-testid=node-agent-assistant]');
      await other.fill('[data-testid=graph-name]', 'Renamed in another tab');
      await other.press('[data-testid=graph-name]', 'Enter');
      await other.click('[data-testid=save]');
      await expect.poll(() => other.locator('[data-testid=save-status]').textContent(), POLL).toBe('Saved · v3');
    } finally {
      await other.close();
    }
    await page.fill('[data-testid=graph-name]', 'Renamed here');
    await page.press('[data-testid=graph-name]', 'Enter');
    await page.click('[data-testid=save]');
    await expect.poll(() => page.locator('[data-testid=conflict]').textContent(), POLL).toContain('version 3');
    const stored = (await (await fetch(`${runner.url}/api/graphs/${graphId}`)).json()) as {
      version: number;
      graph: { name: string };
    };
    expect(stored).toMatchObject({ version: 3, graph: { name: 'Renamed in another tab' } });

    // Loading their version replaces these edits in place.
    await page.click('[data-testid=conflict-reload]');
    await expect.poll(() => page.locator('[data-testid=save-status]').textContent(), POLL).toBe('Saved · v3');
    expect(await page.locator('[data-testid=graph-title]').textContent()).toBe('Renamed in another tab');
    expect(await page.locator('[data-testid=conflict]').count()).toBe(0);
  });

  it('copies nodes as JSON on the clipboard and pastes them into another graph in another tab', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=node-agent-assistant_2]');
    await page.keyboard.press('ControlOrMeta+C');
    const other = await browser.context.newPage();
    try {
      await other.goto(`${runner.url}/`);
      await other.click('[data-testid=new-graph]');
      await other.waitForSelector('[data-testid=node-topic-user_input]');
      await other.click('.react-flow__pane', { position: { x: 30, y: 30 } });
      await other.keyboard.press('ControlOrMeta+V');
      await other.waitForSelector('[data-testid=node-agent-assistant_2]');
      await other.keyboard.press('ControlOrMeta+Z');
      await expect.poll(() => other.locator('[data-testid=node-agent-assistant_2]').count(), POLL).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('re-runs a recorded session against the edited graph and shows where it diverges', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/#/g/${graphId}`);
    await page.reload();
    await page.waitForSelector('[data-testid=node-agent-assistant_2]');
    await page.click('[data-testid=start-session]');
    await page.fill('[data-testid=chat-input]', 'record me');
    await page.click('[data-testid=chat-send]');
    await page.waitForSelector('[data-testid=turn-end]');
    await page.click('[data-testid=save-test]');

    await page.click('[data-testid=tab-tests]');
    await page.click('[data-testid=rerun-test]');
    await page.waitForSelector('[data-testid=test-pass]');

    await page.click('[data-testid=node-agent-assistant_2]');
    await page.fill('[data-testid=field-type]', 'finisher');
    await page.press('[data-testid=field-type]', 'Enter');
    await page.click('[data-testid=rerun-test]');
    await expect
      .poll(() => page.locator('[data-testid=test-diverged]').textContent(), POLL)
      .toContain('Diverges at step 2');
    expect(await page.locator('[data-testid=test-diverged] tr.diverged').textContent()).toContain(
      'finisher got: "[scripted stand-in, not an LLM] assistant got: "record me"',
    );
  });

  it('replays a finished session on the canvas with a time slider', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=tab-run]');
    await page.locator('[data-testid=replay-session]').first().click();
    // Replay opens the trace itself (and plays the session back); moving the slider takes over.
    await page.locator('[data-testid=replay-slider]').fill('0');
    await expect.poll(() => page.locator('[data-testid=replay]').textContent(), POLL).toContain('user → #user_input');
    await expect.poll(() => page.locator('.react-flow__edge-path.pulse').count(), POLL).toBe(1);
    await page.locator('[data-testid=replay-slider]').fill('1');
    await expect.poll(() => page.locator('[data-testid=replay]').textContent(), POLL).toContain('assistant → #topic');
    expect(await page.locator('[data-testid=trace-row]').count()).toBe(2);
    await page.click('[data-testid=replay-stop]');
    expect(await page.locator('[data-testid=replay]').count()).toBe(0);
  });

  it('lays the graph out with ELK in a worker, as one undo step', async (ctx) => {
    screenshotOnFailure(ctx);
    const node = page.locator('.react-flow__node', { has: page.locator('[data-testid=node-agent-assistant]') });
    const before = await node.getAttribute('style');
    await page.click('[data-testid=auto-layout]');
    await expect.poll(() => node.getAttribute('style'), POLL).not.toBe(before);
    await page.click('[data-testid=undo]');
    await expect.poll(() => node.getAttribute('style'), POLL).toBe(before);
  });

  it('duplicates and deletes graphs from the start page', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/#/`);
    await page.fill('[data-testid=graph-search]', 'renamed in another tab');
    const cards = page.locator('[data-testid=graph-card]');
    await expect.poll(() => cards.count(), POLL).toBe(1);
    await cards
      .first()
      .getByRole('button', { name: /^Duplicate/ })
      .click();
    await expect.poll(() => cards.count(), POLL).toBe(2);
    page.once('dialog', (dialog) => void dialog.accept());
    await page
      .locator(`[data-testid=graph-card][data-graph-id="${graphId}"]`)
      .getByRole('button', { name: /^Delete/ })
      .click();
    await expect.poll(() => cards.count(), POLL).toBe(1);
    expect(await cards.first().getAttribute('data-graph-id')).toBe(`${graphId}-copy`);
  });
});
