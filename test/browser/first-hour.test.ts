import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { designerPage, POLL, screenshotOnFailure as shoot } from './designer-page.ts';
import type { TestRunner } from './runner.ts';

/** Screenshots of the main views, per language; test-output/ is kept out of the repo by .gitignore. */
const SHOTS = 'test-output/screenshots';

const opened = designerPage();
let runner: TestRunner;
let page: Page;
/** Everything that went wrong in the page during normal use: console errors, failed or refused requests. */
const troubles: string[] = [];
beforeAll(() => {
  ({ runner, page } = opened);
  mkdirSync(SHOTS, { recursive: true });
  page.on('console', (m) => m.type() === 'error' && troubles.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => troubles.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => troubles.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on(
    'response',
    (r) => r.status() >= 400 && troubles.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`),
  );
});
afterAll(() => page?.removeAllListeners());
const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, 'first-hour-', () => page);
const snap = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });
const language = async (code: 'en' | 'zh') => {
  await page.selectOption('[data-testid=language]', code);
  await expect.poll(() => page.getAttribute('html', 'lang'), POLL).toBe(code === 'zh' ? 'zh-CN' : 'en');
};

/** Where a node is on screen, and where the canvas's centre is. */
async function offCentre(testId: string): Promise<number> {
  const node = (await page.locator(`[data-testid=${testId}]`).boundingBox())!;
  const canvas = (await page.locator('[data-testid=canvas]').boundingBox())!;
  return Math.hypot(
    node.x + node.width / 2 - (canvas.x + canvas.width / 2),
    node.y + node.height / 2 - (canvas.y + canvas.height / 2),
  );
}

describe('a builder’s first hour', () => {
  it('opens an example once: opening it again opens the same graph', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/`);
    expect(await page.locator('link[rel=icon]').getAttribute('href')).toBe('/favicon.svg');
    expect((await fetch(`${runner.url}/favicon.svg`)).headers.get('content-type')).toContain('image/svg+xml');
    await page.click('[data-testid=example-support]');
    await page.waitForSelector('.react-flow__node');
    const first = page.url();
    await page.click('[data-testid=back]');
    await page.click('[data-testid=example-support]');
    await page.waitForSelector('.react-flow__node');
    expect(page.url()).toBe(first);
    const { graphs } = (await (await fetch(`${runner.url}/api/graphs`)).json()) as { graphs: { id: string }[] };
    expect(graphs.map((g) => g.id)).toEqual(['support']);
  });

  it('finds a node by label with Ctrl+K, then centres and selects it', async (ctx) => {
    screenshotOnFailure(ctx);
    // Far off screen first, so finding it has to move the view.
    await page.mouse.move(700, 400);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -400);
    await page.keyboard.press('ControlOrMeta+K');
    await page.fill('[data-testid=find-input]', 'billing');
    const hits = page.locator('[data-testid^=find-hit-]');
    await expect.poll(() => hits.count(), POLL).toBeGreaterThan(0);
    const target = (await hits.first().getAttribute('data-testid'))!.replace('find-hit-', '');
    await snap('find-en');
    await page.press('[data-testid=find-input]', 'Enter');
    await expect.poll(() => page.locator('[data-testid=find-node]').count(), POLL).toBe(0);
    const node = page.locator(`.react-flow__node[data-id="${target}"]`);
    await expect.poll(() => node.getAttribute('class'), POLL).toContain('selected');
    const testId = (await node.locator('[data-testid^=node-]').first().getAttribute('data-testid'))!;
    await expect.poll(() => offCentre(testId), POLL).toBeLessThan(40);
    // The minimap folds away and stays folded after a reload.
    await page.click('[data-testid=minimap-toggle]');
    await expect.poll(() => page.locator('.react-flow__minimap').count(), POLL).toBe(0);
    await page.reload();
    await page.waitForSelector('.react-flow__node');
    expect(await page.getAttribute('[data-testid=minimap-toggle]', 'aria-pressed')).toBe('false');
    expect(await page.locator('.react-flow__minimap').count()).toBe(0);
    await page.click('[data-testid=minimap-toggle]');
    await expect.poll(() => page.locator('.react-flow__minimap').count(), POLL).toBe(1);
    // Ctrl+F opens the same finder.
    await page.keyboard.press('ControlOrMeta+F');
    await page.waitForSelector('[data-testid=find-input]');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid=find-node]').count(), POLL).toBe(0);
  });

  it('names nodes by label in problems, in English and in Chinese', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=back]');
    await page.click('[data-testid=new-graph]');
    await page.waitForSelector('[data-testid=node-topic-user_input]');
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    await page.keyboard.press('1');
    await page.waitForSelector('[data-testid=node-agent-assistant]');
    await page.click('[data-testid=node-agent-assistant]');
    await page.fill('[data-testid=field-label]', 'Billing helper');
    await page.press('[data-testid=field-label]', 'Enter');

    await page.click('[data-testid=tab-problems]');
    const problem = page.locator('[data-testid=problem-no_publication]');
    await expect
      .poll(() => problem.locator('[data-testid=problem-text]').textContent(), POLL)
      .toBe('Billing helper publishes to no topic, so its results go nowhere');
    expect(await problem.locator('[data-testid=problem-node] strong').textContent()).toBe('Billing helper');
    expect(await problem.locator('[data-testid=problem-node] small').textContent()).toMatch(/^assistant · a_/);
    await snap('problems-en');

    await language('zh');
    await expect
      .poll(() => problem.locator('[data-testid=problem-text]').textContent(), POLL)
      .toBe('Billing helper 不发布到任何主题，其结果无处可去');
    expect(
      await page.locator('[data-testid=problem-entry_unsubscribed] [data-testid=problem-text]').textContent(),
    ).toBe('没有智能体订阅入口主题 user_input，用户的消息无处可去');
    await snap('problems-zh');
    await page.click('[data-testid=tab-models]');
    await page.click('[data-testid=model-open-scripted]');
    await page.waitForSelector('[data-testid=model-scripted-form]');
    await snap('models-zh');
    await language('en');
    await snap('models-en');
  });

  it('places new nodes by key on free space, never on top of another', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    for (let i = 0; i < 3; i++) await page.keyboard.press('1');
    await expect.poll(() => page.locator('.agent-node').count(), POLL).toBe(4);
    const boxes = await page
      .locator('.react-flow__node')
      .evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().toJSON() as DOMRect));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        expect(overlap, `nodes ${i} and ${j} overlap`).toBe(false);
      }
    }
    await page.click('[data-testid=save]');
    await expect.poll(() => page.locator('[data-testid=save-status]').textContent(), POLL).toMatch(/^Saved/);
    await snap('editor-en');
    await language('zh');
    await snap('editor-zh');
    await language('en');
  });

  it('asks what to do when an imported file’s id is stored: a new version of it, or a copy', async (ctx) => {
    screenshotOnFailure(ctx);
    const graphId = /#\/g\/(.+)$/.exec(page.url())![1]!;
    const stored = (await (await fetch(`${runner.url}/api/graphs/${graphId}`)).json()) as {
      version: number;
      graph: Record<string, unknown>;
    };
    const file = JSON.stringify({ ...stored.graph, description: 'edited elsewhere' });

    await page.click('[data-testid=import-open]');
    await page.fill('[data-testid=import-text]', file);
    await page.click('[data-testid=import-confirm]');
    await page.waitForSelector('[data-testid=import-clash]');
    await language('zh');
    await snap('import-clash-zh');
    await language('en');
    await snap('import-clash-en');
    expect(await page.locator('[data-testid=import-as-version]').textContent()).toBe(
      `Save as version ${stored.version + 1} of it`,
    );
    await page.click('[data-testid=import-as-version]');
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${runner.url}/api/graphs/${graphId}`)).json()) as { version: number }).version,
        POLL,
      )
      .toBe(stored.version + 1);
    const after = (await (await fetch(`${runner.url}/api/graphs/${graphId}`)).json()) as {
      graph: { description: string };
    };
    expect(after.graph.description).toBe('edited elsewhere');
    const { graphs } = (await (await fetch(`${runner.url}/api/graphs`)).json()) as {
      graphs: { id: string; name: string }[];
    };
    expect(graphs.filter((g) => g.name.includes('(copy)'))).toEqual([]);
  });

  it('shows graph cards with a layout thumbnail, searched and sorted; nothing failed on the way', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=back]');
    const cards = page.locator('[data-testid=graph-card]');
    await expect.poll(() => cards.count(), POLL).toBe(2);
    expect(await page.locator('[data-testid=graph-card] [data-testid=graph-thumbnail] rect').count()).toBeGreaterThan(
      6,
    );
    await page.selectOption('[data-testid=graph-sort]', 'name');
    expect(await cards.locator('.card-title').allTextContents()).toEqual(
      ['Customer support', 'Untitled graph'].sort((a, b) => a.localeCompare(b)),
    );
    await page.selectOption('[data-testid=graph-sort]', 'agents');
    const metas = await cards.locator('.card-meta').allTextContents();
    const agents = metas.map((m) => Number(/^(\d+) agents? · \d+ topics?/.exec(m)![1]));
    // Most agents first, as the runner counts them.
    const listed = (await (await fetch(`${runner.url}/api/graphs`)).json()) as { graphs: { agents: number }[] };
    const counts = listed.graphs.map((g) => g.agents).sort((a, b) => b - a);
    expect(counts[0]).toBeGreaterThan(counts[1]!);
    expect(agents).toEqual(counts);
    await page.fill('[data-testid=graph-search]', 'untitled');
    await expect.poll(() => cards.count(), POLL).toBe(1);
    await page.fill('[data-testid=graph-search]', '');
    await snap('start-en');
    await language('zh');
    await snap('start-zh');
    await language('en');
    expect(troubles).toEqual([]);
  });
});
