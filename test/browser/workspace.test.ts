import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Graph } from '../../schemas/graph.ts';
import { graphHead as base } from './graph-head.ts';
import { designerPage, POLL, screenshot, screenshotOnFailure as shoot } from './designer-page.ts';
import type { TestRunner } from './runner.ts';

/**
 * The run area as a workspace (issue 12 §3, §7, §4 labels): names in chat and trace, the
 * resizable and maximisable run area, session controls by state, the trace waterfall, and a
 * message limit shown as a turn end.
 */

const opened = designerPage();
let runner: TestRunner;
let page: Page;
beforeAll(() => {
  ({ runner, page } = opened);
});
const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, 'workspace-', () => page);

const limits = (maxMessagesPerTurn: number): Graph['limits'] => ({
  maxMessagesPerTurn,
  maxTurnMs: 60_000,
  maxTokensPerSession: 1_000_000,
  allowedHosts: [],
});
const assistant = (id: string, label: string | undefined, model: string) => ({
  id,
  type: id,
  ...(label ? { label } : {}),
  kind: 'assistant' as const,
  config: { model, systemMessage: '', tools: [], contextWindow: 20, maxToolRounds: 2, stream: false },
});

/** A planner (labelled) drafts, a person reviews: one model call, then a wait for input. */
const REVIEWED: Graph = {
  ...base('ws-reviewed', 'Reviewed plan'),
  models: [
    {
      id: 'planner-model',
      provider: 'scripted',
      label: 'Scripted planner',
      rules: [],
      fallback: 'Plan for {input}: research, write, review.',
      tokenSize: 4,
    },
  ],
  agents: [
    assistant('planner_bot', 'Planner', 'planner-model'),
    {
      id: 'checker',
      type: 'checker',
      label: 'Checker',
      kind: 'user',
      config: { prompt: 'Approve the plan?', timeoutMs: 600_000 },
    },
  ],
  topics: [
    { id: 'ask', type: 'ask' },
    { id: 'draft', type: 'draft' },
    { id: 'done', type: 'done' },
  ],
  subscriptions: [
    { id: 's-plan', topic: 'ask', agent: 'planner_bot', kind: 'type' },
    { id: 's-check', topic: 'draft', agent: 'checker', kind: 'type' },
  ],
  publications: [
    { id: 'p-plan', agent: 'planner_bot', topic: 'draft' },
    { id: 'p-check', agent: 'checker', topic: 'done' },
  ],
  entry: 'ask',
  output: ['done', 'draft'],
  limits: limits(100),
  layout: {
    nodes: {
      ask: { x: 0, y: 0 },
      planner_bot: { x: 240, y: 0 },
      draft: { x: 480, y: 0 },
      checker: { x: 720, y: 0 },
      done: { x: 960, y: 0 },
    },
  },
};

/** Two agents answering each other forever: only the message limit ends a turn. */
const PING_PONG: Graph = {
  ...base('ws-ping-pong', 'Ping pong'),
  models: [{ id: 'echo', provider: 'scripted', rules: [], fallback: '{agent}: {input}', tokenSize: 4 }],
  agents: [assistant('ping', 'Ping', 'echo'), assistant('pong', 'Pong', 'echo')],
  topics: [
    { id: 'a', type: 'a' },
    { id: 'b', type: 'b' },
  ],
  subscriptions: [
    { id: 's-ping', topic: 'a', agent: 'ping', kind: 'type' },
    { id: 's-pong', topic: 'b', agent: 'pong', kind: 'type' },
  ],
  publications: [
    { id: 'p-ping', agent: 'ping', topic: 'b' },
    { id: 'p-pong', agent: 'pong', topic: 'a' },
  ],
  entry: 'a',
  output: ['b'],
  limits: limits(6),
  layout: { nodes: { a: { x: 0, y: 0 }, ping: { x: 240, y: 0 }, b: { x: 480, y: 0 }, pong: { x: 720, y: 0 } } },
};

async function store(graph: Graph): Promise<void> {
  const res = await fetch(`${runner.url}/api/graphs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph }),
  });
  if (!res.ok) throw new Error(`storing ${graph.id}: ${res.status} ${await res.text()}`);
}

const chats = () => page.locator('[data-testid=chat]');
const control = (chat: Locator, name: string) => chat.locator(`[data-testid=${name}]`);
const disabled = async (chat: Locator) =>
  Object.fromEntries(
    await Promise.all(
      ['chat-pause', 'chat-resume', 'chat-abort', 'replay-session', 'chat-end'].map(
        async (c) => [c, await control(chat, c).isDisabled()] as const,
      ),
    ),
  );

async function startSession(): Promise<Locator> {
  const before = await chats().count();
  await page.click('[data-testid=tab-run]');
  await page.click('[data-testid=start-session]');
  await expect.poll(() => chats().count(), POLL).toBe(before + 1);
  return chats().nth(before);
}

async function send(chat: Locator, text: string): Promise<void> {
  await chat.locator('[data-testid=chat-input]').fill(text);
  await chat.locator('[data-testid=chat-send]').click();
}

const box = async (selector: string) => (await page.locator(selector).boundingBox())!;

describe('the run area as a workspace', () => {
  let chat: Locator;

  it('disables the controls that do not apply to a session’s state', async (ctx) => {
    screenshotOnFailure(ctx);
    await store(REVIEWED);
    await store(PING_PONG);
    await page.goto(`${runner.url}/#/g/${REVIEWED.id}`);
    await page.waitForSelector('[data-testid=node-agent-planner_bot]');
    chat = await startSession();
    // Idle, nothing said yet: no turn to pause, resume or abort, nothing to replay.
    expect(await disabled(chat)).toEqual({
      'chat-pause': true,
      'chat-resume': true,
      'chat-abort': true,
      'replay-session': true,
      'chat-end': false,
    });
    expect(await control(chat, 'chat-pause').getAttribute('title')).toBe('Pause');

    await send(chat, 'the launch');
    await expect.poll(() => chat.locator('[data-testid=session-state]').textContent(), POLL).toBe('waiting for input');
    expect(await disabled(chat)).toEqual({
      'chat-pause': false,
      'chat-resume': true,
      'chat-abort': false,
      'replay-session': false,
      'chat-end': false,
    });

    await control(chat, 'chat-pause').click();
    await expect.poll(() => chat.locator('[data-testid=session-state]').textContent(), POLL).toBe('paused');
    expect(await disabled(chat)).toEqual({
      'chat-pause': true,
      'chat-resume': false,
      'chat-abort': false,
      'replay-session': false,
      'chat-end': false,
    });
    await control(chat, 'chat-resume').click();
    await expect.poll(() => chat.locator('[data-testid=session-state]').textContent(), POLL).toBe('waiting for input');

    await chat.locator('[data-testid=input-answer]').fill('yes');
    await chat.locator('[data-testid=input-answer]').press('Enter');
    await expect.poll(() => chat.locator('[data-testid=turn-end]').textContent(), POLL).toBe('Turn ended (completed)');
    await expect.poll(() => chat.locator('[data-testid=session-state]').textContent(), POLL).toBe('idle');
    expect(await disabled(chat)).toEqual({
      'chat-pause': true,
      'chat-resume': true,
      'chat-abort': true,
      'replay-session': false,
      'chat-end': false,
    });
  });

  it('shows the nodes’ labels in the chat, with the type name as secondary text', async (ctx) => {
    screenshotOnFailure(ctx);
    const who = chat.locator('[data-testid=msg-output] [data-testid=who]').first();
    expect(await who.locator('.who-label').textContent()).toBe('Planner');
    expect(await who.locator('.who-secondary').textContent()).toBe('planner_bot');
    expect(await who.getAttribute('title')).toBe('planner_bot · planner_bot');
    expect(await chat.locator('[data-testid=msg-output]').allTextContents()).toEqual([
      expect.stringMatching(/^Plannerplanner_bot → #draftPlan for the launch/),
      expect.stringMatching(/^Checkerchecker → #doneyes/),
    ]);
  });

  it('shows a waterfall per turn in the trace: each call’s start, duration, tokens and model, the messages between, totals per agent', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=tab-trace]');
    await page.waitForSelector('[data-testid=trace-call]');
    const calls = page.locator('[data-testid=trace-call]');
    expect(await calls.count()).toBe(2);
    const planner = page.locator('[data-testid=trace-call][data-agent=planner_bot]');
    expect(await planner.locator('.who-label').textContent()).toBe('Planner');
    expect(await planner.locator('[data-testid=call-start]').textContent()).toMatch(/^\+\d+ ms$/);
    expect(await planner.locator('[data-testid=call-duration]').textContent()).toMatch(/^\d+ ms$|^\d+\.\d\d s$/);
    expect(await planner.locator('[data-testid=call-tokens]').textContent()).toMatch(/^[1-9]\d* tokens$/);
    expect(await planner.locator('.trace-model').textContent()).toBe('Scripted planner');
    // The person's wait is the checker's call: it lasts from the question to the answer.
    const checker = page.locator('[data-testid=trace-call][data-agent=checker]');
    expect(await checker.locator('[data-testid=call-tokens]').textContent()).toBe('0 tokens');

    // In time order: the user's message, the planner's call and its draft, the checker's call and its answer.
    const order = await page
      .locator('[data-testid=trace-call], [data-testid=trace-row]')
      .evaluateAll((rows) =>
        rows.map(
          (r) => `${r.getAttribute('data-testid')}:${r.getAttribute('data-agent') ?? r.getAttribute('data-sender')}`,
        ),
      );
    expect(order).toEqual([
      'trace-row:user',
      'trace-call:planner_bot',
      'trace-row:planner_bot',
      'trace-call:checker',
      'trace-row:checker',
    ]);

    const turn = page.locator('[data-testid=trace-turn]');
    expect(await turn.textContent()).toContain('Turn 1');
    expect(await turn.locator('.reason-completed').textContent()).toBe('completed');
    const plannerTokens = (await planner.locator('[data-testid=call-tokens]').textContent())!;
    expect(await turn.locator('[data-testid=turn-totals] [data-agent=planner_bot]').textContent()).toMatch(
      new RegExp(`^Planner · 1 call · \\d+ ms · ${plannerTokens} · —$`),
    );
    expect(await page.locator('[data-testid=session-totals] [data-agent=planner_bot]').textContent()).toContain(
      plannerTokens,
    );
    await screenshot(ctx, 'workspace-', page);
  });

  it('filters the trace by agent, and selects an agent’s node from its row', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.selectOption('[data-testid=trace-filter-agent]', 'checker');
    expect(
      await page
        .locator('[data-testid=trace-call]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-agent'))),
    ).toEqual(['checker']);
    // The checker's answer, and the draft delivered to it.
    expect(
      await page
        .locator('[data-testid=trace-row]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-sender'))),
    ).toEqual(['planner_bot', 'checker']);
    await page.selectOption('[data-testid=trace-filter-agent]', '');
    await page.locator('[data-testid=trace-call][data-agent=planner_bot]').click();
    await expect
      .poll(() => page.locator('.react-flow__node.selected [data-testid=node-agent-planner_bot]').count(), POLL)
      .toBe(1);
    await expect.poll(() => page.locator('[data-testid=inspector-agent]').count(), POLL).toBe(1);
  });

  it('resizes the run area with its handle, remembers the height, and maximises it', async (ctx) => {
    screenshotOnFailure(ctx);
    const before = await box('[data-testid=run-area]');
    const handle = await box('[data-testid=run-area-handle]');
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2, handle.y - 150, { steps: 6 });
    await page.mouse.up();
    const after = await box('[data-testid=run-area]');
    expect(after.height).toBeGreaterThan(before.height + 140);
    expect(after.height).toBeLessThan(before.height + 160);
    expect((await box('[data-testid=canvas]')).height).toBeLessThan(900 - after.height);

    await page.reload();
    await page.waitForSelector('[data-testid=node-agent-planner_bot]');
    expect(Math.abs((await box('[data-testid=run-area]')).height - after.height)).toBeLessThan(2);

    await page.click('[data-testid=run-area-maximise]');
    await expect.poll(async () => (await box('[data-testid=canvas]')).height, POLL).toBeLessThan(2);
    expect((await box('[data-testid=run-area]')).height).toBeGreaterThan(700);
    await page.click('[data-testid=run-area-maximise]');
    await expect
      .poll(async () => Math.round((await box('[data-testid=run-area]')).height), POLL)
      .toBe(Math.round(after.height));
  });

  it('fits three sessions side by side without horizontal clipping', async (ctx) => {
    screenshotOnFailure(ctx);
    for (let i = 0; i < 3; i++) await startSession();
    expect(await chats().count()).toBe(3);
    const strip = page.locator('.chats');
    const { scrollWidth, clientWidth } = await strip.evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    const area = await strip.boundingBox();
    for (const chat of await chats().all()) {
      const b = (await chat.boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(area!.x + area!.width + 1);
      // Every control of the column is on screen, none cut off.
      for (const c of await chat.locator('.chat-controls button').all()) {
        const cb = (await c.boundingBox())!;
        expect(cb.x + cb.width).toBeLessThanOrEqual(b.x + b.width);
      }
    }
    await screenshot(ctx, 'workspace-', page);
  });

  it('shows a reached message limit as the turn’s end with its reason, not as errors', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/#/g/${PING_PONG.id}`);
    await page.waitForSelector('[data-testid=node-agent-ping]');
    const pingPong = await startSession();
    await send(pingPong, 'serve');
    await expect
      .poll(() => pingPong.locator('[data-testid=turn-end]').textContent(), POLL)
      .toMatch(/^Turn ended \(message limit\)/);
    // Calls stopped by the limit come after the turn's end: give them time to arrive.
    await page.waitForTimeout(500);
    expect(await pingPong.locator('[data-testid=chat-error]').count()).toBe(0);
    expect(await pingPong.locator('[data-testid=turn-end]').count()).toBe(1);
  });
});
