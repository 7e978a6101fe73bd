import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../schemas/graph.ts';
import { McpPool } from './pool.ts';
import { McpLimits } from './runner-config.ts';

/** A loopback port nobody listens on: connecting fails at once. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

const graphOf = (urls: string[]) =>
  Graph.parse({
    format: 'switchboard/graph',
    version: 1,
    id: 'g',
    name: 'g',
    mcpServers: urls.map((url, i) => ({ id: `s${i}`, transport: 'http', url })),
    agents: [],
    topics: [{ id: 'in', type: 'in' }],
    subscriptions: [],
    publications: [],
    entry: 'in',
    output: ['in'],
    limits: { allowedHosts: ['127.0.0.1'] },
  });

describe('McpPool', () => {
  it('shares one client per tenant and server, and keeps at most maxConnections', async () => {
    const port = await deadPort();
    const pool = new McpPool({
      limits: McpLimits.parse({ allowedHosts: ['127.0.0.1'], connectTimeoutMs: 2000 }),
      stdio: {},
      maxConnections: 2,
    });
    const urls = ['a', 'b', 'c'].map((p) => `http://127.0.0.1:${port}/${p}`);
    const graph = graphOf(urls);
    const acme = pool.forGraph('acme', graph, () => undefined);
    const again = pool.forGraph('acme', graph, () => undefined);
    const first = await acme.call('s0', 'echo', {});
    expect(first).toMatchObject({ ok: false });
    expect(first.output).toMatch(/^Error: MCP tool "echo" on "s0" failed: cannot connect to MCP server "s0"/);
    await again.call('s0', 'echo', {});
    expect(pool.size).toBe(1);
    await pool.forGraph('globex', graph, () => undefined).call('s0', 'echo', {});
    expect(pool.size).toBe(2);
    await acme.call('s1', 'echo', {});
    await acme.call('s2', 'echo', {});
    expect(pool.size).toBe(2);
    // An evicted client is asked for again, not used closed.
    expect((await acme.call('s0', 'echo', {})).output).toMatch(/cannot connect to MCP server "s0"/);
    await pool.close();
    expect(pool.size).toBe(0);
  });
});
