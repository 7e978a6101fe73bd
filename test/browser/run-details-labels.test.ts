import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { designerPage, POLL, screenshotOnFailure as shoot } from './designer-page.ts';
import { BROKEN, TYPO } from './run-details-graphs.ts';
import { runDetailsSteps } from './run-details-steps.ts';

/**
 * Issue 12, second pass: agents named by label in chat errors, and a graph naming a model it
 * does not define.
 */
const opened = designerPage();
let page: Page;
beforeAll(() => ({ page } = opened));
const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, 'run-details-labels-', () => page);
const { snap, language, api, store, open } = runDetailsSteps(opened);

describe('agents named by label when something fails', () => {
  it('names the failing agent by its label in the chat’s error line, said once', async (ctx) => {
    screenshotOnFailure(ctx);
    await store(BROKEN);
    await open(BROKEN);
    await page.click('[data-testid=tab-run]');
    await page.click('[data-testid=start-session]');
    const chat = page.locator('[data-testid=chat]').last();
    await chat.waitFor();
    await chat.locator('[data-testid=chat-input]').fill('is the sky green?');
    await chat.locator('[data-testid=chat-send]').click();
    const error = chat.locator('[data-testid=chat-error]');
    await expect.poll(() => error.count(), POLL).toBe(1);
    expect(await error.locator('.who-label').textContent()).toBe('Fact checker');
    expect(await error.textContent()).toMatch(/^Fact checkerrd_broken_bot: model "far-model"/);
    const end = chat.locator('[data-testid=turn-end]');
    await expect.poll(() => end.count(), POLL).toBe(1);
    // The end does not repeat what the line above it says.
    expect(await end.textContent()).toBe('Turn ended (error)');
    await snap('chat-error-en');
  });
});

describe('a model the graph does not define', () => {
  it('is a problem naming the node by label, in English and Chinese, and the run is refused saying why', async (ctx) => {
    screenshotOnFailure(ctx);
    await store(TYPO, true);
    await open(TYPO);
    await page.click('[data-testid=tab-problems]');
    const problem = page.locator('[data-testid=problem-unknown_model]');
    await expect
      .poll(() => problem.locator('[data-testid=problem-text]').textContent(), POLL)
      .toBe('refers to an unknown model "gpt-9"');
    expect(await problem.locator('[data-testid=problem-node] strong').textContent()).toBe('Support desk');
    // The Run tab cannot start a session, and says what to fix.
    await page.click('[data-testid=tab-run]');
    expect(await page.locator('[data-testid=start-session]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid=not-runnable]').textContent()).toBe(
      'Cannot run: Support desk: refers to an unknown model "gpt-9". Show problems',
    );
    await snap('unknown-model-en');
    await language('zh');
    expect(await page.locator('[data-testid=not-runnable]').textContent()).toBe(
      '无法运行：Support desk：引用了未知模型“gpt-9”。 查看问题',
    );
    await page.click('[data-testid=show-problems]');
    await expect
      .poll(() => problem.locator('[data-testid=problem-text]').textContent(), POLL)
      .toBe('引用了未知模型“gpt-9”');
    await snap('unknown-model-zh');
    await language('en');
    // Over the API, the refusal names the node and the model.
    const refused = await api('/api/sessions', { graphId: TYPO.id });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      'graph "rd_typo" has only draft versions; the newest with errors: "Support desk" refers to unknown model "gpt-9": publish one before starting sessions',
    );
  });
});
