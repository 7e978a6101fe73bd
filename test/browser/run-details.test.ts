import { mkdirSync } from 'node:fs';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { GRAPH_FORMAT, GRAPH_VERSION, type Graph } from '../../schemas/graph.ts';
import { designerPage, POLL, screenshotOnFailure as shoot } from './designer-page.ts';
import type { TestRunner } from './runner.ts';

/**
 * Issue 12, second pass: the trace of a session this tab did not run (attached, reloaded,
 * replayed), drafts that outlive the chat, the sessions list's icon controls in both languages,
 * agents named by label in chat errors, and a graph naming a model it does not define.
 */

const SHOTS = 'test-output/screenshots';
const opened = designerPage();
let runner: TestRunner;
let page: Page;
beforeAll(() => {
  ({ runner, page } = opened);
  mkdirSync(SHOTS, { recursive: true });
});
const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, 'run-details-', () => page);
const snap = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });
const language = async (code: 'en' | 'zh') => {
  await page.selectOption('[data-testid=language]', code);
  await expect.poll(() => page.getAttribute('html', 'lang'), POLL).toBe(code === 'zh' ? 'zh-CN' : 'en');
};

const base = (
  id: string,
  name: string,
): Pick<Graph, 'format' | 'version' | 'id' | 'name' | 'description' | 'meta' | 'limits'> => ({
  format: GRAPH_FORMAT,
  version: GRAPH_VERSION,
  id,
  name,
  description: '',
  meta: { tags: [] },
  limits: { maxMessagesPerTurn: 20, maxTurnMs: 60_000, maxTokensPerSession: 1_000_000, allowedHosts: [] },
});
const assistant = (id: string, label: string, model: string) => ({
  id,
  type: id,
  label,
  kind: 'assistant' as const,
  config: { model, systemMessage: '', tools: [], contextWindow: 20, maxToolRounds: 2, stream: false },
});

/** One labelled agent between an entry and an output topic, on the given models. */
function single(id: string, label: string, model: string, models: Graph['models']): Graph {
  return {
    ...base(id, label),
    models,
    agents: [assistant(`${id}_bot`, label, model)],
    topics: [
      { id: 'ask', type: 'ask' },
      { id: 'answer', type: 'answer' },
    ],
    subscriptions: [{ id: 's-1', topic: 'ask', agent: `${id}_bot`, kind: 'type' }],
    publications: [{ id: 'p-1', agent: `${id}_bot`, topic: 'answer' }],
    entry: 'ask',
    output: ['answer'],
    layout: { nodes: { ask: { x: 0, y: 0 }, [`${id}_bot`]: { x: 260, y: 0 }, answer: { x: 520, y: 0 } } },
  };
}

const scripted = (label: string): Graph['models'] => [
  {
    id: 'writer-model',
    provider: 'scripted',
    label,
    rules: [],
    fallback: 'Outline for {input}: intro, body, close.',
    tokenSize: 4,
  },
];
const WRITER = single('rd_writer', 'Writer', 'writer-model', scripted('Scripted writer'));
/** Its model's host refuses connections: every call fails. */
const BROKEN = single('rd_broken', 'Fact checker', 'far-model', [
  {
    id: 'far-model',
    provider: 'openai',
    model: 'gpt-4o-mini',
    baseUrl: 'http://127.0.0.1:9/v1',
    timeoutMs: 2000,
    maxRetries: 0,
  },
]);
/** Its agent names "gpt-9", which the graph does not define. */
const TYPO = single('rd_typo', 'Support desk', 'gpt-9', scripted('Scripted'));

async function api(path: string, body: unknown): Promise<Response> {
  return fetch(`${runner.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
async function store(graph: Graph, draft = false): Promise<void> {
  const res = await api('/api/graphs', { graph, ...(draft ? { draft } : {}) });
  if (!res.ok) throw new Error(`storing ${graph.id}: ${res.status} ${await res.text()}`);
}
/** A session run over REST: this page hears none of its events. */
async function runElsewhere(graphId: string, content: string): Promise<string> {
  const created = await api('/api/sessions', { graphId });
  const { id } = (await created.json()) as { id: string };
  const sent = await api(`/api/sessions/${id}/messages`, { content, wait: true });
  if (!sent.ok) throw new Error(`send: ${sent.status} ${await sent.text()}`);
  return id;
}

async function open(graph: Graph): Promise<void> {
  await page.goto(`${runner.url}/#/g/${graph.id}`);
  await page.waitForSelector(`[data-testid=node-agent-${graph.agents[0]!.id}]`);
}
const row = (id: string) => page.locator(`[data-testid=session-row][data-session="${id}"]`);
async function attachFromList(id: string): Promise<Locator> {
  await page.click('[data-testid=tab-sessions]');
  await row(id).locator('[data-testid=session-attach]').click();
  await page.click('[data-testid=tab-run]');
  const chat = page.locator(`[data-testid=chat][data-session="${id}"]`);
  await chat.waitFor();
  return chat;
}
/** The waterfall's call rows as [agent, label, tokens, model]. */
const callRows = () =>
  page
    .locator('[data-testid=trace-call]')
    .evaluateAll((rows) =>
      rows.map((r) => [
        r.getAttribute('data-agent'),
        r.querySelector('.who-label')?.textContent,
        r.querySelector('[data-testid=call-tokens]')?.textContent,
        r.querySelector('.trace-model')?.textContent,
      ]),
    );

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

/** Five nodes in a row: a wide graph, fitted into a canvas made short by a tall run area. */
const CHAIN: Graph = {
  ...single('rd_chain', 'Drafter', 'writer-model', scripted('Scripted')),
  agents: [
    assistant('rd_chain_bot', 'Drafter', 'writer-model'),
    assistant('rd_chain_review', 'Reviewer', 'writer-model'),
  ],
  topics: [
    { id: 'ask', type: 'ask' },
    { id: 'draft', type: 'draft' },
    { id: 'answer', type: 'answer' },
  ],
  subscriptions: [
    { id: 's-1', topic: 'ask', agent: 'rd_chain_bot', kind: 'type' },
    { id: 's-2', topic: 'draft', agent: 'rd_chain_review', kind: 'type' },
  ],
  publications: [
    { id: 'p-1', agent: 'rd_chain_bot', topic: 'draft' },
    { id: 'p-2', agent: 'rd_chain_review', topic: 'answer' },
  ],
  layout: {
    nodes: {
      ask: { x: 0, y: 0 },
      rd_chain_bot: { x: 260, y: 0 },
      draft: { x: 520, y: 0 },
      rd_chain_review: { x: 780, y: 0 },
      answer: { x: 1040, y: 0 },
    },
  },
};

describe('the canvas', () => {
  const overlaps = async () => {
    const map = (await page.locator('.react-flow__minimap').boundingBox())!;
    const boxes = await page
      .locator('.react-flow__node')
      .evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().toJSON() as DOMRect));
    return boxes.filter(
      (b) => b.x < map.x + map.width && b.x + b.width > map.x && b.y < map.y + map.height && b.y + b.height > map.y,
    ).length;
  };

  it('opens a graph with no node under the minimap, in a short canvas too, and fits it so again', async (ctx) => {
    screenshotOnFailure(ctx);
    await store(CHAIN);
    await page.goto(`${runner.url}/`);
    await page.evaluate(() => localStorage.setItem('switchboard.runAreaHeight', '480'));
    await open(CHAIN);
    await page.reload(); // the run area reads its height when the app starts
    await page.waitForSelector('.react-flow__minimap');
    expect((await page.locator('[data-testid=canvas]').boundingBox())!.height).toBeLessThan(400);
    expect(await page.locator('.react-flow__node').count()).toBe(5);
    await expect.poll(overlaps, POLL).toBe(0);
    await snap('canvas-short-en');
    // Zoomed in and panned, then fitted with the F key.
    await page.mouse.move(600, 200);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -300);
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('f');
    await expect.poll(overlaps, POLL).toBe(0);
    await expect.poll(() => page.locator('.react-flow__node').count(), POLL).toBe(5);
    await page.evaluate(() => localStorage.removeItem('switchboard.runAreaHeight'));
  });

  it('shows the save toast over no node, no field and no button', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.keyboard.press('ControlOrMeta+S');
    const toast = page.locator('.toasts .toast').first();
    await toast.waitFor();
    const box = (await toast.boundingBox())!;
    const covered = await page.locator('.react-flow__node, aside.side, header button, header select').evaluateAll(
      (els, t) =>
        els.filter((el) => {
          const b = el.getBoundingClientRect();
          return b.x < t.x + t.width && b.x + b.width > t.x && b.y < t.y + t.height && b.y + b.height > t.y;
        }).length,
      box,
    );
    expect(covered).toBe(0);
    await snap('save-toast-en');
  });
});

describe('a new graph that answers at once', () => {
  it('starts from one assistant between the message and the reply, and runs with no setup', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/`);
    await page.click('[data-testid=new-starter]');
    await page.waitForSelector('.react-flow__node');
    expect(await page.locator('.react-flow__node').count()).toBe(3);
    expect(await page.locator('[data-testid=tab-problems]').textContent()).toBe('Problems (0)');
    await page.click('[data-testid=tab-run]');
    await page.click('[data-testid=start-session]');
    const chat = page.locator('[data-testid=chat]').last();
    await chat.locator('[data-testid=chat-input]').fill('hello there');
    await chat.locator('[data-testid=chat-send]').click();
    const reply = chat.locator('[data-testid=msg-output]');
    await expect.poll(() => reply.count(), POLL).toBe(1);
    expect(await reply.locator('.who-label').textContent()).toBe('Assistant');
    expect(await reply.locator('.text').textContent()).toMatch(/scripted stand-in/);
    await snap('starter-en');
  });
});
