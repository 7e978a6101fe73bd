import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config.ts';

describe('runner config: MCP', () => {
  it('defines stdio servers per tenant and bounds every call by default', () => {
    const config = parseConfig({
      tenants: {
        acme: {
          credentials: { GH: 'x' },
          mcpServers: { github: { command: 'npx', args: ['-y', 'gh-mcp'], env: { GITHUB_TOKEN: 'GH' } } },
        },
      },
    });
    expect(config.tenants.acme!.mcpServers.github).toEqual({
      command: 'npx',
      args: ['-y', 'gh-mcp'],
      env: { GITHUB_TOKEN: 'GH' },
    });
    expect(config.mcpClient).toEqual({
      allowedHosts: [],
      callTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      reconnectBaseMs: 500,
      reconnectMaxMs: 30_000,
      maxResultChars: 20_000,
    });
  });

  it('names the bad field', () => {
    expect(() =>
      parseConfig({ tenants: { acme: { mcpServers: { gh: { command: 'x', env: { 'BAD-NAME': 'GH' } } } } } }),
    ).toThrow(
      new ConfigError(
        'invalid configuration:\n  tenants.acme.mcpServers.gh.env.BAD-NAME: must be an environment variable name (letters, digits, "_")',
      ),
    );
    expect(() => parseConfig({ mcpClient: { callTimeoutMs: 5 } })).toThrow(/mcpClient\.callTimeoutMs: Too small/);
  });
});
