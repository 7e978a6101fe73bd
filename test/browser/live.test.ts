import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { designerPage, POLL, screenshot, screenshotOnFailure as shoot } from './designer-page.ts';
import type { TestRunner } from './runner.ts';
import type { Browser } from './chromium.ts';

const opened = designerPage();
let runner: TestRunner;
let browser: Browser;
let page: Page;
beforeAll(() => {
  ({ runner, browser, page } = opened);
});

const screenshotOnFailure = (ctx: TestContext, of: () => Page = () => page) => shoot(ctx, 'live-', of);

const texts = (chat: Locator, testid: string) => chat.locator(`[data-testid=${testid}]`).allTextContents();
const chats = () => page.locator('[data-testid=chat]');
const row = (sessionId: string) => page.locator(`[data-testid=session-row][data-session="${sessionId}"]`);
const traceContents = () => page.locator('[data-testid=trace-row] .trace-content').allTextContents();

async function startAndSend(content: string): Promise<{ chat: Locator; id: string }> {
  const before = await chats().count();
  await page.click('[data-testid=tab-run]');
  await page.click('[data-testid=start-session]');
  await expect.poll(() => chats().count(), POLL).toBe(before + 1);
  const chat = chats().nth(before);
  await chat.locator('[data-testid=chat-input]').fill(content);
  await chat.locator('[data-testid=chat-send]').click();
  return { chat, id: (await chat.getAttribute('data-session'))! };
}

let a: { chat: Locator; id: string };
let b: { chat: Locator; id: string };
let graphUrl: string;

/** Another tab on the graph, attached to session `a` from its live sessions list, closed when the test ends. */
async function attachInAnotherTab(ctx: TestContext): Promise<{ theirs: Locator }> {
  const other = await browser.context.newPage();
  // A failing test's screenshot is of this tab, so it is closed only after that (finished hooks run first).
  ctx.onTestFinished(() => (ctx.task.result?.state === 'fail' ? undefined : other.close()));
  ctx.onTestFailed(() => screenshot(ctx, 'live-', other).finally(() => other.close()));
  await other.goto(graphUrl);
  await other.waitForSelector('[data-testid=node-agent-reviewer]');
  await other.click('[data-testid=tab-sessions]');
  await other.locator(`[data-testid=session-row][data-session="${a.id}"] [data-testid=session-attach]`).click();
  await other.click('[data-testid=tab-run]');
  return { theirs: other.locator(`[data-testid=chat][data-session="${a.id}"]`) };
}

describe('running the human-approval example live from the canvas', () => {
  it('runs two sessions side by side, each with its own transcript and input request', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/`);
    await page.click('[data-testid=example-approval]');
    await page.waitForSelector('[data-testid=node-agent-reviewer]');
    graphUrl = page.url();

    a = await startAndSend('dark mode');
    await expect
      .poll(() => a.chat.locator('[data-testid=input-request]').textContent(), POLL)
      .toContain('Approve this draft?');
    b = await startAndSend('offline sync');
    await expect
      .poll(() => b.chat.locator('[data-testid=input-request]').textContent(), POLL)
      .toContain('Approve this draft?');
    expect(a.id).not.toBe(b.id);

    expect(await texts(a.chat, 'msg-user')).toEqual(['dark mode']);
    expect(await texts(b.chat, 'msg-user')).toEqual(['offline sync']);
    expect(await texts(a.chat, 'msg-output')).toEqual([expect.stringContaining('"dark mode" is now available')]);
    expect(await texts(b.chat, 'msg-output')).toEqual([expect.stringContaining('"offline sync" is now available')]);
    await expect
      .poll(() => a.chat.locator('[data-testid=session-state]').textContent(), POLL)
      .toBe('waiting for input');
  });

  it('lists every message in the trace, filtered by session, sender and text', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=tab-trace]');
    await expect.poll(() => page.locator('[data-testid=trace-row]').count(), POLL).toBe(4);
    await page.selectOption('[data-testid=trace-filter-session]', a.id);
    expect(await traceContents()).toEqual(['dark mode', expect.stringContaining('"dark mode" is now available')]);
    await page.selectOption('[data-testid=trace-filter-session]', b.id);
    expect(await traceContents()).toEqual(['offline sync', expect.stringContaining('"offline sync" is now available')]);
    await page.selectOption('[data-testid=trace-filter-session]', '');
    await page.selectOption('[data-testid=trace-filter-agent]', 'drafter');
    // The drafter's messages, and the user's messages delivered to it.
    expect(await page.locator('[data-testid=trace-row][data-sender=drafter]').count()).toBe(2);
    await page.fill('[data-testid=trace-filter-text]', 'OFFLINE');
    expect(await page.locator('[data-testid=trace-row][data-sender=drafter] .trace-content').allTextContents()).toEqual(
      [expect.stringContaining('"offline sync" is now available')],
    );
    const route = await page.locator('[data-testid=trace-row][data-sender=drafter] .trace-route').textContent();
    // Topics by their labels too, the type name in the tooltip.
    expect(route).toContain('#Draft');
    expect(await page.locator('[data-testid=trace-row][data-sender=drafter] .trace-topic').getAttribute('title')).toBe(
      'approval.draft',
    );
    // Recipients by their labels, as on the canvas.
    expect(route).toContain('Reviewer (you)');
    await page.fill('[data-testid=trace-filter-text]', '');
    await page.selectOption('[data-testid=trace-filter-agent]', '');
  });

  it('lists the live sessions of the graph, and pauses and resumes one from the list', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=tab-sessions]');
    await expect.poll(() => page.locator('[data-testid=session-row]').count(), POLL).toBe(2);
    const state = () => row(a.id).locator('[data-testid=session-row-state]').textContent();
    await expect.poll(state, POLL).toBe('waiting for input');
    expect(await row(a.id).locator('[data-testid=session-resume]').isDisabled()).toBe(true);
    const [id, , owner, idle, tokens] = await row(a.id).locator('td').allTextContents();
    expect(id).toBe(a.id.slice(0, 8));
    expect(owner).not.toBe('');
    expect(idle).toMatch(/^\d+s$|^\d+m \d+s$/);
    expect(tokens).toMatch(/^\d+$/);

    await row(a.id).locator('[data-testid=session-pause]').click();
    await expect.poll(state, POLL).toBe('paused');
    // The chat hears the state change too (the run tab is mounted only while it shows).
    await page.click('[data-testid=tab-run]');
    await expect.poll(() => a.chat.locator('[data-testid=session-state]').textContent(), POLL).toBe('paused');
    await page.click('[data-testid=tab-sessions]');
    await row(a.id).locator('[data-testid=session-resume]').click();
    await expect.poll(state, POLL).toBe('waiting for input');
    expect(await row(b.id).locator('[data-testid=session-row-state]').textContent()).toBe('waiting for input');
  });

  it('answers the user agent’s input request in the chat, and the turn ends', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=tab-run]');
    await a.chat.locator('[data-testid=input-answer]').fill('approve');
    await a.chat.locator('[data-testid=input-answer]').press('Enter');
    await expect
      .poll(() => texts(a.chat, 'msg-output'), POLL)
      .toEqual([expect.stringContaining('"dark mode" is now available'), expect.stringContaining('Published:')]);
    await expect.poll(() => texts(a.chat, 'turn-end'), POLL).toEqual(['Turn ended (completed)']);
    expect(await a.chat.locator('[data-testid=input-request]').count()).toBe(0);
    // The other session is still waiting for its reviewer.
    expect(await b.chat.locator('[data-testid=input-request]').count()).toBe(1);
    expect(await b.chat.locator('[data-testid=turn-end]').count()).toBe(0);
  });

  it('ends a session from the list: its chat shows it closed and takes no more messages', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=tab-sessions]');
    await row(b.id).locator('[data-testid=session-end]').click();
    await expect.poll(() => row(b.id).locator('[data-testid=session-row-state]').textContent(), POLL).toBe('closed');
    await page.click('[data-testid=tab-run]');
    await expect.poll(() => b.chat.locator('[data-testid=session-state]').textContent(), POLL).toBe('closed');
    expect(await b.chat.locator('[data-testid=chat-input]').isDisabled()).toBe(true);
    expect(await texts(b.chat, 'turn-end')).toEqual([expect.stringContaining('aborted')]);
  });

  it('attaches another tab to a session: its transcript so far, then live events in both tabs', async (ctx) => {
    const { theirs } = await attachInAnotherTab(ctx);
    await expect.poll(() => texts(theirs, 'msg-user'), POLL).toEqual(['dark mode']);
    expect(await texts(theirs, 'msg-output')).toEqual([
      expect.stringContaining('"dark mode" is now available'),
      expect.stringContaining('Published:'),
    ]);
    expect(await theirs.locator('[data-testid=turn-end]').count()).toBe(1);
    expect(await theirs.locator('[data-testid=session-state]').textContent()).toBe('idle');

    await theirs.locator('[data-testid=chat-input]').fill('one more');
    await theirs.locator('[data-testid=chat-send]').click();
    await expect.poll(() => theirs.locator('[data-testid=input-request]').count(), POLL).toBe(1);
    await expect.poll(() => texts(a.chat, 'msg-user'), POLL).toEqual(['dark mode', 'one more']);
    await expect.poll(() => a.chat.locator('[data-testid=input-request]').count(), POLL).toBe(1);
  });

  it('attaches a tab while the session waits for input: the prompt is shown there, and answering it there ends the turn in both tabs', async (ctx) => {
    // The request was asked before this tab existed: only the join's answer can bring it.
    await expect
      .poll(() => a.chat.locator('[data-testid=session-state]').textContent(), POLL)
      .toBe('waiting for input');
    const { theirs } = await attachInAnotherTab(ctx);
    await expect
      .poll(() => theirs.locator('[data-testid=input-request]').textContent(), POLL)
      .toContain('Approve this draft?');
    expect(await theirs.locator('[data-testid=input-request]').count()).toBe(1);
    expect(await texts(theirs, 'msg-user')).toEqual(['dark mode', 'one more']);
    expect(await theirs.locator('[data-testid=session-state]').textContent()).toBe('waiting for input');

    await theirs.locator('[data-testid=input-answer]').fill('approve');
    await theirs.locator('[data-testid=input-answer]').press('Enter');
    const replies = [
      expect.stringContaining('"dark mode" is now available'),
      expect.stringContaining('Published:'),
      expect.stringContaining('"one more"'),
      expect.stringContaining('Published:'),
    ];
    await expect.poll(() => texts(theirs, 'msg-output'), POLL).toEqual(replies);
    await expect.poll(() => texts(a.chat, 'msg-output'), POLL).toEqual(replies);
    await expect
      .poll(() => texts(theirs, 'turn-end'), POLL)
      .toEqual(['Turn ended while this tab was not connected', 'Turn ended (completed)']);
    await expect
      .poll(() => texts(a.chat, 'turn-end'), POLL)
      .toEqual(['Turn ended (completed)', 'Turn ended (completed)']);
    expect(await theirs.locator('[data-testid=input-request]').count()).toBe(0);
    // The first tab heard the question but not the answer: the turn's end closes it there.
    expect(await a.chat.locator('[data-testid=input-request]').count()).toBe(0);
    expect(await a.chat.locator('[data-testid=input-closed]').count()).toBe(1);
  });
});
