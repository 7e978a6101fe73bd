import { mkdirSync } from 'node:fs';
import { beforeAll, expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Graph } from '../../schemas/graph.ts';
import { POLL } from './designer-page.ts';
import type { TestRunner } from './runner.ts';

const SHOTS = 'test-output/screenshots';

/**
 * What the run-details tests do on the designer's page and over the runner's REST API. Give it
 * the file's `designerPage()`: the steps read its page and runner when they run.
 */
export function runDetailsSteps(opened: { readonly runner: TestRunner; readonly page: Page }) {
  beforeAll(() => {
    mkdirSync(SHOTS, { recursive: true });
  });
  const snap = (name: string) => opened.page.screenshot({ path: `${SHOTS}/${name}.png` });
  const language = async (code: 'en' | 'zh') => {
    await opened.page.selectOption('[data-testid=language]', code);
    await expect.poll(() => opened.page.getAttribute('html', 'lang'), POLL).toBe(code === 'zh' ? 'zh-CN' : 'en');
  };

  async function api(path: string, body: unknown): Promise<Response> {
    return fetch(`${opened.runner.url}${path}`, {
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
    await opened.page.goto(`${opened.runner.url}/#/g/${graph.id}`);
    await opened.page.waitForSelector(`[data-testid=node-agent-${graph.agents[0]!.id}]`);
  }
  const row = (id: string) => opened.page.locator(`[data-testid=session-row][data-session="${id}"]`);
  async function attachFromList(id: string): Promise<Locator> {
    await opened.page.click('[data-testid=tab-sessions]');
    await row(id).locator('[data-testid=session-attach]').click();
    await opened.page.click('[data-testid=tab-run]');
    const chat = opened.page.locator(`[data-testid=chat][data-session="${id}"]`);
    await chat.waitFor();
    return chat;
  }
  /** The waterfall's call rows as [agent, label, tokens, model]. */
  const callRows = () =>
    opened.page
      .locator('[data-testid=trace-call]')
      .evaluateAll((rows) =>
        rows.map((r) => [
          r.getAttribute('data-agent'),
          r.querySelector('.who-label')?.textContent,
          r.querySelector('[data-testid=call-tokens]')?.textContent,
          r.querySelector('.trace-model')?.textContent,
        ]),
      );

  return { snap, language, api, store, runElsewhere, open, attachFromList, callRows };
}
