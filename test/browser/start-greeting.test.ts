import { describe, expect, it } from 'vitest';
import { designerPage, POLL, screenshotOnFailure } from './designer-page.ts';

const opened = designerPage();

describe('the session-start message in the designer', () => {
  it('marks the start topic and shows the greeting as the chat opens, before the user writes', async (ctx) => {
    const { page, runner } = opened;
    screenshotOnFailure(ctx, 'start-', () => page);
    await page.goto(`${runner.url}/`);
    await page.click('[data-testid=example-support]');
    const start = page.locator('[data-testid=node-topic-support\\.start]');
    await start.waitFor();
    expect(await start.locator('[data-testid=flag-start]').textContent()).toBe('start');
    expect(await page.locator('[data-testid=node-topic-support\\.inbox] [data-testid=flag-start]').count()).toBe(0);

    await page.click('[data-testid=tab-run]');
    await page.click('[data-testid=start-session]');
    const chat = page.locator('[data-testid=chat]').first();
    await expect
      .poll(() => chat.locator('[data-testid=msg-output]').allTextContents(), POLL)
      .toEqual([expect.stringContaining('Hello anonymous, welcome to support!')]);
    // The start message itself is the runner's, not something the user said.
    expect(await chat.locator('[data-testid=msg-user]').count()).toBe(0);
  });
});
