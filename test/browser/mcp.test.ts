import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { everythingStdio, startEverythingHttp, type HttpMcpServer } from '../helpers/mcp-servers.ts';
import { designerPage, POLL, screenshot, screenshotOnFailure as shoot } from './designer-page.ts';
import type { TestRunner } from './runner.ts';

const TOKEN = 'mcp-secret-value';
let everything: HttpMcpServer;
beforeAll(async () => {
  everything = await startEverythingHttp();
});
afterAll(() => everything?.stop());

// The runner allows loopback MCP servers, holds one credential and defines one stdio server for the local tenant.
const opened = designerPage(() => ({
  tenants: { local: { credentials: { MCP_TOKEN: TOKEN }, mcpServers: { everything: everythingStdio() } } },
  mcpClient: { allowedHosts: ['127.0.0.1'] },
}));
let runner: TestRunner;
let page: Page;
beforeAll(() => {
  ({ runner, page } = opened);
});
const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, 'mcp-', () => page);

/** input → a tool agent (still on a built-in tool) → reply. */
const GRAPH = {
  format: 'switchboard/graph',
  version: 1,
  id: 'mcp-browser',
  name: 'MCP in the browser',
  agents: [{ id: 'echoer', type: 'echoer', kind: 'tool', config: { tool: 'calculator' } }],
  topics: [
    { id: 'user_input', type: 'user_input' },
    { id: 'reply', type: 'reply' },
  ],
  subscriptions: [{ id: 's', topic: 'user_input', agent: 'echoer' }],
  publications: [{ id: 'p', agent: 'echoer', topic: 'reply' }],
  entry: 'user_input',
  output: ['reply'],
  layout: { nodes: { user_input: { x: 0, y: 100 }, echoer: { x: 300, y: 100 }, reply: { x: 600, y: 100 } } },
};

describe('MCP servers in the designer', () => {
  it('adds an HTTP server, sees its live tools, picks two, wires a tool agent to one, saves, and a run calls it', async (ctx) => {
    screenshotOnFailure(ctx);
    const created = await fetch(`${runner.url}/api/graphs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ graph: GRAPH }),
    });
    expect(created.status).toBe(201);
    await page.goto(`${runner.url}/#/g/${GRAPH.id}`);
    await page.waitForSelector('[data-testid=node-agent-echoer]');
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    const servers = page.locator('[data-testid=mcp-servers]');
    await servers.waitFor();

    // The runner defines a stdio server: a new server starts as that one; switch it to HTTP.
    await servers.locator('[data-testid=mcp-add]').click();
    await servers.locator('[data-testid=mcp-transport-mcp-1]').selectOption('http');
    const url = servers.locator('[data-testid=mcp-url-mcp-1]');
    await url.fill('not a url');
    await url.press('Enter');
    await expect
      .poll(() => servers.locator('[data-testid=mcp-error-mcp-1]').textContent(), POLL)
      .toBe('url: must be an http or https URL');
    await url.fill(everything.url);
    await url.press('Enter');
    await expect.poll(() => servers.locator('[data-testid=mcp-error-mcp-1]').count(), POLL).toBe(0);
    // Credentials are picked by name; the value never reaches the page.
    expect(await servers.locator('[data-testid=mcp-credential-mcp-1] option').allTextContents()).toEqual([
      '— none —',
      'MCP_TOKEN',
    ]);
    await servers.locator('[data-testid=mcp-credential-mcp-1]').selectOption('MCP_TOKEN');
    expect(await page.content()).not.toContain(TOKEN);

    // The graph does not allow the host yet: the runner says so, and the form offers to allow it.
    await servers.locator('[data-testid=mcp-load-mcp-1]').click();
    const error = servers.locator('[data-testid=mcp-error-mcp-1]');
    const host = new URL(everything.url).host;
    await expect
      .poll(() => error.textContent(), POLL)
      .toBe(`Could not list the tools: MCP server "mcp-1": host "${host}" is not in the graph's limits.allowedHosts`);
    await servers.locator('[data-testid=mcp-allow-host-mcp-1]').click();
    await expect.poll(() => page.locator('[data-testid=limits-allowedHosts]').inputValue(), POLL).toBe(host);

    // Once the host is allowed, the live tool list comes through the runner; untick "all", tick two.
    const tools = servers.locator('[data-testid=mcp-tools-mcp-1]');
    await tools.getByLabel('get-sum', { exact: true }).waitFor(POLL);
    expect(await tools.locator('label').allTextContents()).toEqual(
      expect.arrayContaining([' echo', ' get-sum', ' get-tiny-image']),
    );
    await servers.locator('[data-testid=mcp-all-mcp-1]').uncheck();
    await tools.getByLabel('echo', { exact: true }).check();
    await tools.getByLabel('get-sum', { exact: true }).check();
    expect(await tools.locator('input:checked').count()).toBe(2);
    await screenshot(ctx, 'mcp-', page);

    // The tool agent picks the server and one of its two allowed tools.
    await page.click('[data-testid=node-agent-echoer]');
    await page.selectOption('[data-testid=config-mcp-server]', 'mcp-1');
    expect(await page.locator('[data-testid=config-mcp-tool] option').allTextContents()).toEqual([
      'Choose…',
      'echo',
      'get-sum',
    ]);
    await page.selectOption('[data-testid=config-mcp-tool]', 'echo');
    await expect
      .poll(() => page.locator('[data-testid=node-agent-echoer] [data-testid=node-preview]').textContent(), POLL)
      .toBe('mcp-1 / echo');
    await page.fill('[data-testid=config-argument]', 'message');
    await page.press('[data-testid=config-argument]', 'Tab');
    await page.click('[data-testid=save]');
    await expect.poll(() => page.locator('[data-testid=save-status]').textContent(), POLL).toBe('Saved · v2');

    const stored = (await (await fetch(`${runner.url}/api/graphs/${GRAPH.id}`)).json()) as {
      graph: { mcpServers: unknown[]; agents: Array<{ config: unknown }>; limits: { allowedHosts: string[] } };
    };
    expect(stored.graph.mcpServers).toEqual([
      {
        id: 'mcp-1',
        transport: 'http',
        url: everything.url,
        credential: 'MCP_TOKEN',
        header: 'Authorization',
        allowedTools: ['echo', 'get-sum'],
      },
    ]);
    expect(stored.graph.agents[0]!.config).toEqual({ mcp: { server: 'mcp-1', tool: 'echo' }, argument: 'message' });
    expect(stored.graph.limits.allowedHosts).toEqual([host]);

    await page.click('[data-testid=start-session]');
    await page.fill('[data-testid=chat-input]', 'hello from the browser');
    await page.click('[data-testid=chat-send]');
    const chat = page.locator('[data-testid=chat]').first();
    await expect.poll(() => chat.textContent(), POLL).toContain('Echo: hello from the browser');

    // The same forms in Chinese.
    await page.selectOption('[data-testid=language]', 'zh');
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    await servers.locator('[data-testid=mcp-load-mcp-1]').click();
    await expect
      .poll(() => servers.locator('[data-testid=mcp-tools-mcp-1] legend').textContent(), POLL)
      .toBe('mcp-1 的工具');
    expect(await servers.locator('[data-testid=mcp-add]').textContent()).toBe('+ 添加 MCP 服务器');
    await servers
      .locator('[data-testid=mcp-server-mcp-1]')
      .screenshot({ path: 'test-output/browser-mcp-server-form-zh.png' });
    await page.selectOption('[data-testid=language]', 'en');
  });
});
