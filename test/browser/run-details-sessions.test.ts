import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { designerPage, POLL, screenshotOnFailure as shoot } from './designer-page.ts';
import { WRITER } from './run-details-graphs.ts';
import { runDetailsSteps } from './run-details-steps.ts';

/**
 * Issue 12, second pass: the trace of a session this tab did not run (attached, reloaded,
 * replayed), drafts that outlive the chat, and the sessions list's icon controls in both languages.
 */
const opened = designerPage();
let page: Page;
beforeAll(() => ({ page } = opened));
const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, 'run-details-sessions-', () => page);
const { snap, language, store, runElsewhere, open, attachFromList, callRows } = runDetailsSteps(opened);

describe('what a session this tab did not run shows', () => {
  let sessionId: string;

  it('shows the calls of a session attached from the list in the trace: start, duration, tokens and model', async (ctx) => {
    screenshotOnFailure(ctx);
    await store(WRITER);
    sessionId = await runElsewhere(WRITER.id, 'the launch');
    await open(WRITER);
    const chat = await attachFromList(sessionId);
    // The session's tokens so far, from the join's answer.
    expect(await chat.locator('.chat-head').textContent()).toMatch(/idle[1-9]\d* tokens/);
    await page.click('[data-testid=tab-trace]');
    await expect
      .poll(callRows, POLL)
      .toEqual([['rd_writer_bot', 'Writer', expect.stringMatching(/^[1-9]\d* tokens$/), 'Scripted writer']]);
    // The columns are named once, above the rows.
    expect(await page.locator('[data-testid=trace-columns]').textContent()).toBe(
      'AgentStartDurationTokensCostModelTurn timeline',
    );
    const call = page.locator('[data-testid=trace-call]');
    expect(await call.locator('[data-testid=call-start]').textContent()).toMatch(/^\+\d+ ms$/);
    expect(await call.locator('[data-testid=call-duration]').textContent()).toMatch(/^\d+ ms$|^\d+\.\d\d s$/);
    expect(await page.locator('[data-testid=session-totals] [data-agent=rd_writer_bot]').textContent()).toMatch(
      /^Writer · 1 call/,
    );
    await snap('trace-attached-en');
  });

  it('shows them again after a reload, and while replaying the session', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.reload();
    await page.waitForSelector('[data-testid=node-agent-rd_writer_bot]');
    const chat = await attachFromList(sessionId);
    await chat.locator('[data-testid=replay-session]').click();
    await page.waitForSelector('[data-testid=replay]');
    // The replay plays to its last message, and the call comes with the message it published.
    await expect
      .poll(() => page.locator('[data-testid=replay-play]').getAttribute('aria-label'), POLL)
      .toBe('Play back');
    expect(await callRows()).toEqual([
      ['rd_writer_bot', 'Writer', expect.stringMatching(/^[1-9]\d* tokens$/), 'Scripted writer'],
    ]);
    await page.locator('[data-testid=replay-slider]').fill('0');
    await expect.poll(() => page.locator('[data-testid=trace-call]').count(), POLL).toBe(0);
    await page.click('[data-testid=replay-stop]');
  });

  it('keeps each session’s unsent text when the chat unmounts: another tab, another graph', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=tab-run]');
    const first = page.locator(`[data-testid=chat][data-session="${sessionId}"]`);
    await page.click('[data-testid=start-session]');
    const second = page.locator('[data-testid=chat]').nth(1);
    await second.waitFor();
    await first.locator('[data-testid=chat-input]').fill('half a thought');
    await second.locator('[data-testid=chat-input]').fill('another idea');
    await page.click('[data-testid=tab-trace]');
    await expect.poll(() => page.locator('[data-testid=chat]').count(), POLL).toBe(0);
    await page.click('[data-testid=tab-run]');
    expect(await first.locator('[data-testid=chat-input]').inputValue()).toBe('half a thought');
    expect(await second.locator('[data-testid=chat-input]').inputValue()).toBe('another idea');
    // Away to the start page and back: the editor and its chats close; attached again, the draft is there.
    await page.click('[data-testid=back]');
    await page.waitForSelector('[data-testid=graph-list]');
    await page.goBack();
    await page.waitForSelector('[data-testid=node-agent-rd_writer_bot]');
    await attachFromList(sessionId);
    expect(await first.locator('[data-testid=chat-input]').inputValue()).toBe('half a thought');
    // Sending empties the draft.
    await first.locator('[data-testid=chat-send]').click();
    await expect.poll(() => first.locator('[data-testid=chat-input]').inputValue(), POLL).toBe('');
    await expect
      .poll(() => first.locator('[data-testid=msg-user]').allTextContents(), POLL)
      .toEqual(['the launch', 'half a thought']);
  });
});

describe('the sessions list', () => {
  it('draws its controls as icons with names and tooltips, in English and Chinese', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=tab-sessions]');
    const first = page.locator('[data-testid=session-row]').first();
    await first.waitFor();
    const controls = () =>
      first
        .locator('button')
        .evaluateAll((buttons) =>
          buttons.map((b) => [
            b.getAttribute('data-testid'),
            b.getAttribute('aria-label'),
            b.getAttribute('title') === b.getAttribute('aria-label'),
            b.querySelector('svg') !== null,
          ]),
        );
    expect(await controls()).toEqual([
      ['session-attach', 'Attach: open this session’s chat and trace here', true, true],
      ['session-pause', 'Pause', true, true],
      ['session-resume', 'Resume', true, true],
      ['session-end', 'End session', true, true],
    ]);
    // An idle session cannot be paused or resumed.
    expect(await first.locator('[data-testid=session-pause]').isDisabled()).toBe(true);
    expect(await first.locator('[data-testid=session-resume]').isDisabled()).toBe(true);
    await snap('sessions-en');
    await language('zh');
    expect((await controls()).map(([, name]) => name)).toEqual([
      '接入：在此打开该会话的聊天和追踪',
      '暂停',
      '继续',
      '结束会话',
    ]);
    await snap('sessions-zh');
    await language('en');
  });
});
