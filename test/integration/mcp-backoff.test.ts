import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { GraphInput } from '../../schemas/graph.ts';
import { startEverythingHttp } from '../helpers/mcp-servers.ts';
import { eventually } from '../helpers/eventually.ts';
import { mcpCore, mcpGraph, ofType, outputs, runTurns } from './mcp-run.ts';

/** A tool agent that calls `echo` on the HTTP server at `url` with each message. */
const echoGraph = (url: string): GraphInput => ({
  ...mcpGraph({ id: 'remote', transport: 'http', url }, []),
  models: [],
  agents: [
    { id: 'a', type: 'echoer', kind: 'tool', config: { mcp: { server: 'remote', tool: 'echo' }, argument: 'message' } },
  ],
});

describe('MCP servers that cannot be reached', () => {
  it('a server that goes away and comes back: tool errors while it is down, then calls work again', async () => {
    let server = await startEverythingHttp();
    const port = Number(new URL(server.url).port);
    const core = await mcpCore({
      mcpClient: { allowedHosts: ['127.0.0.1'], reconnectBaseMs: 200, reconnectMaxMs: 800 },
    });
    try {
      const graph = echoGraph(server.url);
      expect(outputs(await runTurns(core, graph, ['before']))).toEqual(['Echo: before']);

      await server.stop();
      const down = await runTurns(core, graph, ['gone', 'still gone', 'and again']);
      expect(ofType(down, 'turn_end').map((e) => e.reason)).toEqual(['completed', 'completed', 'completed']);
      for (const said of outputs(down)) expect(said).toMatch(/^Error: MCP tool "echo" on "remote" failed: /);
      // Once an attempt to reconnect failed, the next turns are told at once when the next one is due.
      expect(
        outputs(down).some((said) => /cannot connect to MCP server "remote": .*\(next attempt in \d+ ms\)/.test(said)),
      ).toBe(true);

      server = await startEverythingHttp(port);
      const back = await eventually(
        async () => outputs(await runTurns(core, graph, ['back']))[0],
        (said) => said === 'Echo: back',
        'the server to be reached again',
        10_000,
      );
      expect(back).toBe('Echo: back');
      expect(core.mcpClients.size).toBe(1);
    } finally {
      await core.stop();
      await server.stop();
    }
  });

  it('a server that never answers costs one connect timeout; turns during the backoff fail at once', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`;
    const connectTimeoutMs = 1500;
    const core = await mcpCore({
      mcpClient: { allowedHosts: ['127.0.0.1'], connectTimeoutMs, reconnectBaseMs: 60_000, reconnectMaxMs: 60_000 },
    });
    try {
      const events = await runTurns(core, echoGraph(url), ['first', 'second', 'third']);
      const [first, ...later] = ofType(events, 'tool_call');
      expect(outputs(events)[0]).toMatch(/cannot connect to MCP server "remote"/);
      expect(first!.ok).toBe(false);
      expect(first!.latencyMs).toBeGreaterThanOrEqual(connectTimeoutMs - 50);
      expect(later).toHaveLength(2);
      for (const call of later) {
        expect(call.ok).toBe(false);
        // No second wait for the connect timeout: the backoff answers.
        expect(call.latencyMs).toBeLessThan(connectTimeoutMs / 2);
      }
      for (const said of outputs(events).slice(1)) expect(said).toMatch(/\(next attempt in \d+ ms\)$/);
      expect(ofType(events, 'turn_end').map((e) => e.reason)).toEqual(['completed', 'completed', 'completed']);

      // An assistant on the same server: its tools are left out at once with the reason, and it answers.
      const assistant = await runTurns(
        core,
        mcpGraph({ id: 'remote', transport: 'http', url }, [{ contains: 'go', tool: 'echo', args: { message: 'x' } }]),
        ['go'],
      );
      const warning = ofType(assistant, 'warning').find((w) => w.code === 'mcp_unavailable');
      expect(warning?.message).toMatch(
        /^agent "assistant": MCP server "remote" left out: cannot connect to MCP server "remote": .*\(next attempt in \d+ ms\)$/,
      );
      expect(outputs(assistant)[0]).toMatch(/^result: Error: tool "echo" is not enabled for this agent/);
      expect(ofType(assistant, 'turn_end')[0]!.reason).toBe('completed');
    } finally {
      await core.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => silent.close(() => ok()));
    }
  });
});
