import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingStdio, startEverythingHttp, type HttpMcpServer } from '../helpers/mcp-servers.ts';
import { api, startTestRunner, type TestRunner } from './helpers.ts';

/** POST /api/mcp/tools: the designer's live tool list, under the same rules as a running graph. */
describe("REST: an MCP server's live tool list", () => {
  let runner: TestRunner;
  let http: HttpMcpServer;
  beforeAll(async () => {
    http = await startEverythingHttp();
    runner = await startTestRunner({
      tenants: { local: { credentials: { MCP_TOKEN: 'secret-value' }, mcpServers: { everything: everythingStdio() } } },
      mcpClient: { allowedHosts: ['127.0.0.1'] },
    });
  });
  afterAll(async () => {
    await runner?.stop();
    await http?.stop();
  });
  const list = (body: unknown) => api(runner.url, 'POST', '/api/mcp/tools', { body });

  it('lists every tool of a stdio server the runner defines, with its schema', async () => {
    const res = await list({ server: { id: 'e', transport: 'stdio', server: 'everything', allowedTools: ['echo'] } });
    expect(res.status).toBe(200);
    const echo = res.json.tools.find((t: { name: string }) => t.name === 'echo');
    expect(echo).toEqual({
      name: 'echo',
      description: 'Echoes back the input string',
      inputSchema: expect.objectContaining({ type: 'object', required: ['message'] }),
    });
    // allowedTools does not narrow the list: the designer is choosing among all of them.
    expect(res.json.tools.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['echo', 'get-sum', 'get-tiny-image']),
    );
  });

  it('lists the tools of an HTTP server both allow-lists admit', async () => {
    const res = await list({
      server: { id: 'e', transport: 'http', url: http.url },
      allowedHosts: [new URL(http.url).host],
    });
    expect(res.status).toBe(200);
    expect(res.json.tools.map((t: { name: string }) => t.name)).toContain('get-sum');
  });

  it('refuses a server naming a command, a host outside the graph allow-list, an undefined stdio server', async () => {
    const command = await list({ server: { id: 'e', transport: 'stdio', server: 'everything', command: '/bin/sh' } });
    expect([command.status, command.json.error.code, command.json.error.details.path]).toEqual([
      400,
      'mcp_stdio_command',
      '/server/command',
    ]);
    const host = await list({ server: { id: 'e', transport: 'http', url: http.url }, allowedHosts: [] });
    expect([host.status, host.json.error.code]).toEqual([400, 'mcp_refused']);
    expect(host.json.error.message).toMatch(/not in the graph's limits\.allowedHosts/);
    expect(host.json.error.details).toEqual({ host: new URL(http.url).host, allowList: 'graph' });
    const unknown = await list({ server: { id: 'e', transport: 'stdio', server: 'nope' } });
    expect([unknown.status, unknown.json.error.code, unknown.json.error.message]).toEqual([
      400,
      'mcp_refused',
      'MCP server "e": the runner defines no stdio server "nope" for tenant "local"',
    ]);
    const shape = await list({ server: { id: 'e', transport: 'ftp' } });
    expect([shape.status, shape.json.error.code]).toEqual([400, 'invalid']);
  });

  it("offers a server form the tenant's credential and stdio server names, never their values", async () => {
    const res = await api(runner.url, 'GET', '/api/mcp/options');
    expect([res.status, res.json]).toEqual([200, { credentials: ['MCP_TOKEN'], stdioServers: ['everything'] }]);
    expect(JSON.stringify(res.json)).not.toContain('secret-value');
    expect(JSON.stringify(res.json)).not.toContain(process.execPath);
  });
});
