import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { ensureChromium, ensureDesignerBuilt, launchChromium, type Browser } from './chromium.ts';
import { startTestRunner, type TestRunner } from './runner.ts';
import type { ConfigInput } from '../../runner/config.ts';

/**
 * A runner serving the built designer and one Chromium page for a test file's tests: started
 * before them, closed after them. Read the fields inside tests or hooks, once they are set.
 */
export function designerPage(config: () => ConfigInput = () => ({})): {
  readonly runner: TestRunner;
  readonly browser: Browser;
  readonly page: Page;
} {
  let runner: TestRunner | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    ensureChromium();
    ensureDesignerBuilt();
    runner = await startTestRunner(config());
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await runner?.close();
  });
  return {
    get runner() {
      return runner!;
    },
    get browser() {
      return browser!;
    },
    get page() {
      return page!;
    },
  };
}

/** Generous: CI machines are shared, and a worker or a turn may take a while to start. */
export const POLL = { timeout: 30_000, interval: 100 };

/** A screenshot of the page as it was when a step failed, as test-output/browser-<file>-<step>.png. */
export function screenshotOnFailure(ctx: TestContext, file: string, of: () => Page): void {
  ctx.onTestFailed(() => screenshot(ctx, file, of()));
}

/** The page as it is now, to test-output/browser-<file><test name>.png. */
export async function screenshot(ctx: TestContext, file: string, page: Page): Promise<void> {
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({
    path: `test-output/browser-${file}${ctx.task.name.replace(/\W+/g, '-')}.png`,
    fullPage: true,
  });
}
