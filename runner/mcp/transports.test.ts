import { describe, expect, it } from 'vitest';
import { McpServer } from '../../schemas/mcp.ts';
import { McpRefused, planTransport, type PlanInputs } from './transports.ts';

const inputs = (over: Partial<PlanInputs> = {}): PlanInputs => ({
  tenant: 'acme',
  graphHosts: ['mcp.example.com'],
  runnerHosts: ['*.example.com'],
  stdio: { files: { command: 'node', args: ['server.js'], env: { TOKEN: 'FILES_TOKEN' } } },
  credential: (name) => ({ WEB: 'web-secret', FILES_TOKEN: 'files-secret' })[name],
  ...over,
});
const http = (extra: Record<string, unknown> = {}) =>
  McpServer.parse({ id: 'web', transport: 'http', url: 'https://mcp.example.com/mcp', ...extra });
const stdio = (server = 'files') => McpServer.parse({ id: 'local', transport: 'stdio', server });
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(McpRefused);
    return (e as Error).message;
  }
  throw new Error('not refused');
};

describe("planTransport: the runner's rules for a graph's MCP server", () => {
  it('needs the host in the graph allow-list and in the runner allow-list', () => {
    expect(refusal(() => planTransport(http(), inputs({ graphHosts: [] })))).toBe(
      'MCP server "web": host "mcp.example.com" is not in the graph\'s limits.allowedHosts',
    );
    expect(refusal(() => planTransport(http(), inputs({ runnerHosts: ['other.org'] })))).toBe(
      'MCP server "web": host "mcp.example.com" is not in the runner\'s mcpClient.allowedHosts',
    );
    expect(planTransport(http(), inputs()).key).toContain('https://mcp.example.com/mcp');
  });

  it('refuses credentials in the URL and a credential the tenant lacks', () => {
    expect(refusal(() => planTransport(http({ url: 'https://u:p@mcp.example.com/mcp' }), inputs()))).toMatch(
      /URLs with credentials are not allowed/,
    );
    expect(refusal(() => planTransport(http({ credential: 'MISSING' }), inputs()))).toBe(
      'MCP server "web": credential "MISSING" is not configured for tenant "acme"',
    );
  });

  it('gives a rotated credential its own connection', () => {
    const before = planTransport(http({ credential: 'WEB' }), inputs()).key;
    const after = planTransport(http({ credential: 'WEB' }), inputs({ credential: () => 'rotated' })).key;
    expect(before).not.toBe(after);
    expect(before).not.toContain('web-secret');
  });

  it("starts only stdio servers the tenant's config defines, with env from its credentials", () => {
    expect(refusal(() => planTransport(stdio('shell'), inputs()))).toBe(
      'MCP server "local": the runner defines no stdio server "shell" for tenant "acme"',
    );
    expect(refusal(() => planTransport(stdio(), inputs({ credential: () => undefined })))).toBe(
      'MCP server "local": credential "FILES_TOKEN" (for TOKEN) is not configured for tenant "acme"',
    );
    expect(refusal(() => planTransport(stdio('toString'), inputs()))).toMatch(/defines no stdio server "toString"/);
    expect(planTransport(stdio(), inputs()).key).toMatch(/^stdio\u0000files\u0000/);
  });
});
