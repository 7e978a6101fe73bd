import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai-server.ts';
import { designerPage, POLL, screenshotOnFailure as shoot } from './designer-page.ts';
import type { TestRunner } from './runner.ts';

const KEY = 'sk-fake-right-key';
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
});
afterAll(() => fake?.close());

// The runner holds two credentials for the local tenant: one the fake server takes, one it refuses.
const opened = designerPage(() => ({
  tenants: { local: { credentials: { 'fake-right': KEY, 'fake-wrong': 'sk-wrong' } } },
}));
let runner: TestRunner;
let page: Page;
beforeAll(() => {
  ({ runner, page } = opened);
});
const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, 'models-', () => page);

describe('models set in forms', () => {
  it('badges the scripted stand-in on nodes and in the chat, and says so in its reply', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/`);
    await page.click('[data-testid=new-graph]');
    await page.waitForSelector('[data-testid=node-topic-user_input]');
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    await page.keyboard.press('1');
    await page.waitForSelector('[data-testid=node-agent-assistant] [data-testid=scripted-badge]');
    expect(await page.locator('[data-testid=node-agent-assistant] [data-testid=scripted-badge]').textContent()).toBe(
      'offline · scripted',
    );

    // Wire input → assistant → output by the inspector's pickers, then run one turn.
    await page.click('[data-testid=node-agent-assistant]');
    await page.selectOption('[data-testid=connect-subscribe]', { label: '#user_input' });
    await page.selectOption('[data-testid=connect-publish]', { label: '#reply' });
    await page.click('[data-testid=start-session]');
    const chat = page.locator('[data-testid=chat]').first();
    await chat.locator('[data-testid=scripted-badge]').waitFor();
    await page.fill('[data-testid=chat-input]', 'what is 2+2?');
    await page.click('[data-testid=chat-send]');
    await expect
      .poll(() => chat.textContent(), POLL)
      .toContain('[scripted stand-in, not an LLM] assistant got: "what is 2+2?"');
    expect(await chat.textContent()).toContain('Models panel');
  });

  it('adds an OpenAI-compatible model by form, picks a credential by name, and tests it: ok with the listed models, then the 401', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=tab-models]');
    await page.selectOption('[data-testid=model-add-provider]', 'compatible');
    await page.click('[data-testid=model-add]');
    const form = page.locator('[data-testid=model-compatible-form]');
    await form.waitFor();
    await form.locator('[data-testid=model-compatible-base-url]').fill(fake.baseURL);
    await form.locator('[data-testid=model-compatible-base-url]').press('Enter');
    // Credential names come from the runner; the key never reaches the page.
    const options = await form.locator('[data-testid=model-compatible-credential] option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['fake-right', 'fake-wrong']));
    expect(await page.content()).not.toContain(KEY);
    await form.locator('[data-testid=model-compatible-credential]').selectOption('fake-right');

    await form.locator('[data-testid=model-test]').click();
    const result = form.locator('[data-testid=model-test-result]');
    await expect.poll(() => result.getAttribute('data-ok'), POLL).toBe('true');
    expect(await result.textContent()).toBe('Connected: the model answered.');
    await form.locator('[data-testid=model-pick]').selectOption('fake-model');
    await expect.poll(() => form.locator('[data-testid=model-compatible-name]').inputValue(), POLL).toBe('fake-model');

    await form.locator('[data-testid=model-compatible-credential]').selectOption('fake-wrong');
    await form.locator('[data-testid=model-test]').click();
    await expect.poll(() => result.getAttribute('data-ok'), POLL).toBe('false');
    expect(await result.textContent()).toContain('The provider refused the key (HTTP 401).');
    expect(await result.textContent()).toContain('Incorrect API key provided');

    // The graph holds the credential's name only.
    const stored = await page.evaluate(() => document.body.innerText);
    expect(stored).not.toContain(KEY);
  });
});
