import { createHash } from 'node:crypto';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServer } from '../../schemas/mcp.ts';
import { isHostAllowed } from '../tools/http-get.ts';
import type { McpStdioServerConfig } from './runner-config.ts';

/** A server a graph may not use here: the message says which rule refused it. */
export class McpRefused extends Error {
  constructor(
    message: string,
    /** For a host outside an allow-list: which list, so a form can offer to add it to the graph's. */
    readonly details?: { host: string; allowList: 'graph' | 'runner' },
  ) {
    super(message);
  }
}

/** A transport factory and the key of the connection it makes: equal keys share one client. */
export interface TransportPlan {
  key: string;
  make: () => Transport;
}

export interface PlanInputs {
  tenant: string;
  /** The graph's limits.allowedHosts. */
  graphHosts: readonly string[];
  /** The runner's mcpClient.allowedHosts. */
  runnerHosts: readonly string[];
  /** The tenant's stdio servers from the runner config. */
  stdio: Readonly<Record<string, McpStdioServerConfig>>;
  credential(name: string): string | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

/** Checks a graph's server against the runner's rules and says how to reach it. */
export function planTransport(server: McpServer, inputs: PlanInputs): TransportPlan {
  return server.transport === 'http' ? planHttp(server, inputs) : planStdio(server, inputs);
}

function planHttp(
  server: Extract<McpServer, { transport: 'http' }>,
  { tenant, graphHosts, runnerHosts, credential }: PlanInputs,
): TransportPlan {
  const url = new URL(server.url);
  if (url.username || url.password)
    throw new McpRefused(`MCP server "${server.id}": URLs with credentials are not allowed; name a credential instead`);
  if (!isHostAllowed(url, graphHosts))
    throw new McpRefused(`MCP server "${server.id}": host "${url.host}" is not in the graph's limits.allowedHosts`, {
      host: url.host,
      allowList: 'graph',
    });
  if (!isHostAllowed(url, runnerHosts))
    throw new McpRefused(
      `MCP server "${server.id}": host "${url.host}" is not in the runner's mcpClient.allowedHosts`,
      { host: url.host, allowList: 'runner' },
    );
  const headers: Record<string, string> = {};
  if (server.credential) {
    const value = credential(server.credential);
    if (!value)
      throw new McpRefused(
        `MCP server "${server.id}": credential "${server.credential}" is not configured for tenant "${tenant}"`,
      );
    headers[server.header] = server.header.toLowerCase() === 'authorization' ? `Bearer ${value}` : value;
  }
  return {
    // The credential takes part (hashed) so a rotated one gets a fresh client.
    key: `http\u0000${url.href}\u0000${server.header}\u0000${digest(JSON.stringify(headers))}`,
    // No redirects: a redirect could lead the runner off the allowed hosts.
    make: () => new StreamableHTTPClientTransport(url, { requestInit: { headers, redirect: 'error' } }),
  };
}

function planStdio(
  server: Extract<McpServer, { transport: 'stdio' }>,
  { tenant, stdio, credential }: PlanInputs,
): TransportPlan {
  const config = Object.hasOwn(stdio, server.server) ? stdio[server.server] : undefined;
  if (!config)
    throw new McpRefused(
      `MCP server "${server.id}": the runner defines no stdio server "${server.server}" for tenant "${tenant}"`,
    );
  const env: Record<string, string> = {};
  for (const [variable, name] of Object.entries(config.env)) {
    const value = credential(name);
    if (!value)
      throw new McpRefused(
        `MCP server "${server.id}": credential "${name}" (for ${variable}) is not configured for tenant "${tenant}"`,
      );
    env[variable] = value;
  }
  return {
    key: `stdio\u0000${server.server}\u0000${digest(JSON.stringify([config, env]))}`,
    // Only the SDK's safe default variables are inherited, never the runner's own secrets.
    make: () =>
      new StdioClientTransport({
        command: config.command,
        args: config.args,
        env: { ...getDefaultEnvironment(), ...env },
        cwd: config.cwd,
        stderr: 'ignore',
      }),
  };
}
