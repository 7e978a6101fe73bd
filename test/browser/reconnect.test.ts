import { beforeAll, describe, expect, it } from 'vitest';
import type { Page, WebSocket } from 'playwright-core';
import { designerPage, POLL, screenshotOnFailure } from './designer-page.ts';
import type { TestRunner } from './runner.ts';
import type { Browser } from './chromium.ts';

const opened = designerPage();
let runner: TestRunner;
let browser: Browser;
let page: Page;
/** The page's Socket.IO connections, oldest first: a reconnect opens a new one. */
const sockets: WebSocket[] = [];
beforeAll(() => {
  ({ runner, browser, page } = opened);
  page.on('websocket', (ws) => {
    if (ws.url().includes('/socket.io/')) sockets.push(ws);
  });
});

/** Takes the page offline until its socket has closed. */
async function dropSocket() {
  const closed = sockets.at(-1)!.waitForEvent('close');
  await browser.context.setOffline(true);
  await closed;
}

const texts = (testid: string) => page.locator(`[data-testid=chat] [data-testid=${testid}]`).allTextContents();

describe('designer after its socket reconnects', () => {
  it('rejoins the open session: shows what was said while it was away, then live events again', async (ctx) => {
    screenshotOnFailure(ctx, 'reconnect-', () => page);
    await page.goto(`${runner.url}/`);
    await page.click('[data-testid=example-hello]');
    await page.waitForSelector('[data-testid=node-agent-greeter]');
    await page.click('[data-testid=tab-run]');
    await page.click('[data-testid=start-session]');
    const chat = page.locator('[data-testid=chat]');
    await chat.waitFor();
    const sessionId = (await chat.getAttribute('data-session'))!;
    await page.fill('[data-testid=chat-input]', 'hello there');
    await page.click('[data-testid=chat-send]');
    await expect
      .poll(() => texts('msg-output'), POLL)
      .toEqual([expect.stringContaining('I am the Switchboard greeter')]);
    // A reload would lose this mark: the catch-up has to happen in the same document.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    expect(sockets).toHaveLength(1);
    await dropSocket();

    const res = await fetch(`${runner.url}/api/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'sent while away', wait: true }),
    });
    expect(res.status).toBe(200);
    const sent = (await res.json()) as { messages: { sender: string; content: string }[] };
    expect(sent.messages.at(-1)).toMatchObject({ sender: 'greeter', content: 'You said: sent while away' });
    expect(await texts('msg-user')).toEqual(['hello there']);

    await browser.context.setOffline(false);
    await expect.poll(() => texts('msg-user'), POLL).toEqual(['hello there', 'sent while away']);
    await expect
      .poll(() => texts('msg-output'), POLL)
      .toEqual([
        expect.stringContaining('I am the Switchboard greeter'),
        expect.stringContaining('You said: sent while away'),
      ]);
    expect(sockets.length).toBeGreaterThan(1);
    // That turn's turn_end was sent while the page was away: the rejoin ends it anyway, in place,
    // and nothing on the canvas is left working.
    const lines = () =>
      page
        .locator('[data-testid=chat] .chat-items > ol > li > *')
        .evaluateAll((items) => items.map((line) => line.getAttribute('data-testid')));
    await expect
      .poll(lines, POLL)
      .toEqual(['msg-user', 'msg-output', 'turn-end', 'msg-user', 'msg-output', 'turn-end']);
    expect(await page.locator('[data-testid=chat] [data-testid=turn-end]').last().textContent()).toBe(
      'Turn ended while this tab was not connected',
    );
    expect(await page.locator('[data-testid=chat] [data-testid=session-state]').textContent()).toBe('idle');
    expect(await page.locator('[data-working]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    // The reply to this one reaches the page only through the session's room.
    await page.fill('[data-testid=chat-input]', 'bye for now');
    await page.click('[data-testid=chat-send]');
    await expect
      .poll(() => texts('msg-output'), POLL)
      .toEqual([
        expect.stringContaining('I am the Switchboard greeter'),
        expect.stringContaining('You said: sent while away'),
        expect.stringContaining('Goodbye, and thanks for trying Switchboard.'),
      ]);
    expect(await texts('msg-user')).toEqual(['hello there', 'sent while away', 'bye for now']);
    await expect.poll(() => page.locator('[data-testid=chat] [data-testid=turn-end]').count(), POLL).toBe(3);
  });

  it('says so in the chat when a session cannot be rejoined, and rejoins the others', async (ctx) => {
    screenshotOnFailure(ctx, 'reconnect-', () => page);
    await page.click('[data-testid=start-session]');
    const chats = page.locator('[data-testid=chat]');
    await expect.poll(() => chats.count(), POLL).toBe(2);
    const gone = chats.nth(1);
    const goneId = (await gone.getAttribute('data-session'))!;
    await dropSocket();
    expect((await fetch(`${runner.url}/api/sessions/${goneId}`, { method: 'DELETE' })).status).toBe(204);
    await browser.context.setOffline(false);
    await expect
      .poll(() => gone.locator('[data-testid=chat-error]').textContent(), POLL)
      .toContain('Could not rejoin this session after reconnecting');
    expect(await chats.first().locator('[data-testid=chat-error]').count()).toBe(0);
    // The first session was rejoined: it still answers live.
    await chats.first().locator('[data-testid=chat-input]').fill('still there?');
    await chats.first().locator('[data-testid=chat-send]').click();
    await expect.poll(() => chats.first().locator('[data-testid=msg-output]').count(), POLL).toBe(4);
  });
});
