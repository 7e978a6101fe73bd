import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, ensureDesignerBuilt, launchChromium, type Browser } from '../browser/chromium.ts';
import { api, ROOT, startTestRunner, type TestRunner } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * HTML and script in user-controlled text (labels, names, descriptions, tags) are valid graph
 * text; the designer must show them as text. Real Chromium against the runner serving the built
 * designer: every payload tries to set window.__pwned or open a dialog, and none may succeed.
 */
const PAYLOADS = [
  '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
  '<script>window.__pwned=(window.__pwned||0)+1</script>',
  '<svg onload="window.__pwned=(window.__pwned||0)+1"></svg>',
  '"><iframe src="javascript:window.parent.__pwned=1"></iframe>',
  '<a href="javascript:alert(1)">click</a>',
  '{{constructor.constructor("window.__pwned=1")()}}',
];

let runner: TestRunner;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

function hostileGraph() {
  const g = echoGraph('xss', {
    name: PAYLOADS[0]!,
    description: PAYLOADS[1]!,
    models: [{ id: 'script', provider: 'scripted', label: PAYLOADS[2]!, fallback: PAYLOADS[1]! }],
    meta: { tags: [PAYLOADS[3]!.slice(0, 64), PAYLOADS[5]!.slice(0, 64)] },
  }) as any;
  g.agents[0].label = PAYLOADS[0];
  g.agents[0].description = PAYLOADS[4];
  g.topics[0].label = PAYLOADS[1];
  g.topics[1].label = PAYLOADS[2];
  g.topics[1].description = PAYLOADS[3];
  return g;
}

beforeAll(async () => {
  ensureChromium();
  ensureDesignerBuilt();
  runner = await startTestRunner({ designerDir: join(ROOT, 'dist/designer') });
  const saved = await api(runner.url, 'POST', '/api/graphs', { body: { graph: hostileGraph() } });
  expect(saved.status, saved.text).toBe(201);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
});
afterAll(async () => {
  await browser?.close();
  await runner?.stop();
});

const pwned = () => page.evaluate(() => (window as { __pwned?: unknown }).__pwned);

describe('HTML and script in labels render as text in the designer', () => {
  it('the start page lists the graph by its hostile name, as text', async () => {
    await page.goto(`${runner.url}/#/`);
    await expect.poll(() => page.getByText(PAYLOADS[0]!, { exact: true }).count()).toBeGreaterThan(0);
    count({ cases: 1 });
    expect(await pwned()).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it('the canvas shows hostile agent and topic labels as text and runs none of them', async () => {
    await page.goto(`${runner.url}/#/g/xss`);
    await page.waitForSelector('[data-testid=node-agent-echo]');
    expect(await page.locator('[data-testid=node-agent-echo] .node-title').textContent()).toBe(PAYLOADS[0]);
    expect(await page.locator('[data-testid=node-topic-in]').textContent()).toContain(PAYLOADS[1]);
    expect(await page.locator('[data-testid=node-topic-out]').textContent()).toContain(PAYLOADS[2]);
    // Selecting a node opens the inspector, which renders the description and the model label.
    await page.click('[data-testid=node-agent-echo]');
    await page.click('[data-testid=node-topic-out]');
    await page.waitForTimeout(500);
    count({ cases: PAYLOADS.length });
    // No element was built from the payloads anywhere on the page: they stayed text.
    expect(
      await page.locator('img[src="x"], iframe, svg[onload], script:not([src]), a[href^="javascript:"]').count(),
    ).toBe(0);
    expect(await pwned()).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it("second line of defence: HTML injected on purpose is inert, because the runner's CSP blocks inline handlers", async () => {
    const injected = await page.evaluate(
      (html) =>
        new Promise<number>((resolve) => {
          const probe = document.createElement('div');
          probe.innerHTML = html;
          const img = probe.querySelector('img')!;
          img.addEventListener('error', () =>
            setTimeout(() => resolve(document.querySelectorAll('img[src="x"]').length), 100),
          );
          document.body.append(probe);
        }),
      PAYLOADS[0]!,
    );
    expect(injected).toBe(1);
    expect(await pwned()).toBeUndefined();
  });
});
