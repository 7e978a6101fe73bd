import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphInput } from '../../schemas/graph.ts';
import { everythingStdio, faultyStdio, startEverythingHttp, type HttpMcpServer } from '../helpers/mcp-servers.ts';
import { EXAMPLES, ROOT, runCli } from './helpers.ts';
import { mcpCore, mcpGraph, ofType, outputs, runTurns } from './mcp-run.ts';

const example = () => JSON.parse(readFileSync(join(EXAMPLES, 'mcp-tools.json'), 'utf8')) as GraphInput;
const stdioConfig = (limits: Record<string, number> = {}) => ({
  tenants: { local: { mcpServers: { everything: everythingStdio(), faulty: faultyStdio() } } },
  mcpClient: { allowedHosts: ['127.0.0.1'], ...limits },
});

let http: HttpMcpServer;
beforeAll(async () => {
  http = await startEverythingHttp();
});
afterAll(async () => {
  await http?.stop();
});

/** The example graph, reaching the everything server over stdio (as shipped) or over Streamable HTTP. */
function exampleOver(transport: 'stdio' | 'http'): GraphInput {
  const graph = example();
  if (transport === 'stdio') return graph;
  const port = new URL(http.url).port;
  return {
    ...graph,
    mcpServers: [
      { id: 'everything', transport: 'http', url: http.url, allowedTools: ['echo', 'get-sum', 'get-tiny-image'] },
    ],
    limits: { allowedHosts: [`127.0.0.1:${port}`] },
  };
}

describe.each(['stdio', 'http'] as const)('MCP tools over %s', (transport) => {
  it("runs examples/mcp-tools.json: the assistant calls the server's tools on the scripted model", async () => {
    const core = await mcpCore(stdioConfig());
    try {
      const events = await runTurns(core, exampleOver(transport), [
        'hello there',
        'please add these',
        'a picture please',
      ]);
      const said = outputs(events);
      expect(said[0]).toBe('The MCP server says: Echo: hello there');
      expect(said[1]).toContain('The sum of 20 and 22 is 42');
      // An image is described to the model, not dropped.
      expect(said[2]).toMatch(/\[image image\/png, \d+ bytes, not shown\]/);
      const calls = ofType(events, 'tool_call');
      expect(calls.map((c) => [c.server, c.tool, c.ok])).toEqual([
        ['everything', 'echo', true],
        ['everything', 'get-sum', true],
        ['everything', 'get-tiny-image', true],
      ]);
      for (const c of calls) expect(c.latencyMs).toBeGreaterThan(0);
      expect(ofType(events, 'turn_end').map((e) => e.reason)).toEqual(['completed', 'completed', 'completed']);
      // One shared client for the tenant's server, reused by every turn.
      expect(core.mcpClients.size).toBe(1);
    } finally {
      await core.stop();
    }
  });

  it('cuts an oversized result at the cap, with a marker', async () => {
    const core = await mcpCore(stdioConfig({ maxResultChars: 1000 }));
    try {
      const server =
        transport === 'stdio'
          ? ({ id: 'big', transport: 'stdio', server: 'everything' } as const)
          : ({ id: 'big', transport: 'http', url: http.url } as const);
      const events = await runTurns(
        core,
        mcpGraph(server, [{ contains: 'go', tool: 'echo', args: { message: 'y'.repeat(50_000) } }]),
        ['go'],
      );
      const [said] = outputs(events);
      expect(said).toContain('[truncated: 1000 of 50006 characters]');
      expect(said.length).toBeLessThan(1200);
      expect(ofType(events, 'tool_call')[0]).toMatchObject({ ok: true, truncated: true, resultChars: 50_006 });
    } finally {
      await core.stop();
    }
  });

  it('gives up on a server that hangs after the call timeout; the turn goes on', async () => {
    const core = await mcpCore(stdioConfig({ callTimeoutMs: 400 }));
    try {
      const server =
        transport === 'stdio'
          ? ({ id: 'slow', transport: 'stdio', server: 'faulty' } as const)
          : ({ id: 'slow', transport: 'http', url: http.url } as const);
      const call =
        transport === 'stdio'
          ? { tool: 'hang', args: {} }
          : { tool: 'trigger-long-running-operation', args: { duration: 30, steps: 1 } };
      const events = await runTurns(core, mcpGraph(server, [{ contains: 'go', ...call }]), ['go']);
      expect(outputs(events)[0]).toContain('no answer within 400 ms');
      expect(ofType(events, 'tool_call')[0]).toMatchObject({ ok: false, tool: call.tool });
      expect(ofType(events, 'turn_end')[0].reason).toBe('completed');
    } finally {
      await core.stop();
    }
  });
});

describe('MCP tools', () => {
  it('a stdio server that dies mid-call: the turn goes on with a tool error, the next call reconnects', async () => {
    const core = await mcpCore(stdioConfig());
    try {
      const graph = mcpGraph({ id: 'faulty', transport: 'stdio', server: 'faulty' }, [
        { contains: 'die', tool: 'die', args: {} },
        { contains: 'echo', tool: 'echo', args: { message: 'back again' } },
      ]);
      const events = await runTurns(core, graph, ['die now', 'echo please']);
      const said = outputs(events);
      expect(said[0]).toMatch(/^result: Error: MCP tool "die" on "faulty" failed: .*closed/i);
      expect(said[1]).toBe('result: echo: back again');
      expect(ofType(events, 'turn_end').map((e) => e.reason)).toEqual(['completed', 'completed']);
    } finally {
      await core.stop();
    }
  });

  it('an HTTP server that dies mid-call: the turn goes on with a tool error', async () => {
    const own = await startEverythingHttp();
    const core = await mcpCore(stdioConfig());
    try {
      const graph = mcpGraph({ id: 'dying', transport: 'http', url: own.url }, [
        { contains: 'go', tool: 'trigger-long-running-operation', args: { duration: 30, steps: 1 } },
      ]);
      const events = await runTurns(core, graph, ['go'], {
        onEvent: (e) => {
          // The model asked for the tool: the server is killed while it runs.
          if (e.event === 'usage') setTimeout(() => void own.stop(), 300);
        },
      });
      expect(outputs(events)[0]).toMatch(/^result: Error: MCP tool "trigger-long-running-operation" on "dying" failed/);
      // Failed because the server went away, not because the call timeout (30 s) ran out.
      expect(outputs(events)[0]).not.toContain('no answer within');
      expect(ofType(events, 'tool_call')[0]).toMatchObject({ ok: false });
      expect(ofType(events, 'tool_call')[0].latencyMs).toBeLessThan(20_000);
      expect(ofType(events, 'turn_end')[0].reason).toBe('completed');
    } finally {
      await core.stop();
      await own.stop();
    }
  });

  it('cancels the call when the turn is aborted', async () => {
    const core = await mcpCore(stdioConfig({ callTimeoutMs: 60_000 }));
    try {
      const graph = mcpGraph({ id: 'slow', transport: 'stdio', server: 'faulty' }, [
        { contains: 'go', tool: 'hang', args: {} },
      ]);
      const started = Date.now();
      const events = await runTurns(core, graph, ['go'], {
        onEvent: (e, sessionId) => {
          if (e.event === 'usage') setTimeout(() => void core.sessions.abort({ tenant: 'local' }, sessionId), 300);
        },
      });
      expect(ofType(events, 'turn_end')[0].reason).toBe('aborted');
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(ofType(events, 'tool_call')[0]).toMatchObject({ ok: false, tool: 'hang' });
    } finally {
      await core.stop();
    }
  });

  it('lists the tools again after notifications/tools/list_changed', async () => {
    const core = await mcpCore(stdioConfig());
    try {
      const graph = mcpGraph({ id: 'faulty', transport: 'stdio', server: 'faulty' }, [
        { contains: 'first', tool: 'add-tool', args: {} },
        { contains: 'second', tool: 'extra-1', args: {} },
      ]);
      const said = outputs(await runTurns(core, graph, ['first', 'second']));
      expect(said).toEqual(['result: added extra-1', 'result: extra-1']);
    } finally {
      await core.stop();
    }
  });

  it('a tool agent calls one named MCP tool on each message', async () => {
    const core = await mcpCore(stdioConfig());
    try {
      const graph: GraphInput = {
        ...mcpGraph({ id: 'everything', transport: 'stdio', server: 'everything' }, []),
        models: [],
        agents: [
          {
            id: 'a',
            type: 'echoer',
            kind: 'tool',
            config: { mcp: { server: 'everything', tool: 'echo' }, argument: 'message' },
          },
        ],
      };
      const events = await runTurns(core, graph, ['plain text', '{"message":"as JSON"}']);
      expect(outputs(events)).toEqual(['Echo: plain text', 'Echo: as JSON']);
      expect(ofType(events, 'tool_call').map((c) => c.agent)).toEqual(['echoer', 'echoer']);
    } finally {
      await core.stop();
    }
  });

  it("starts a stdio server with env from the tenant credentials only, never the runner's own environment", async () => {
    process.env.SB_RUNNER_ONLY_SECRET = 'runner-only-value';
    const core = await mcpCore({
      tenants: {
        local: {
          credentials: { 'server-token': 'tenant-secret' },
          mcpServers: { env: { ...everythingStdio(), env: { SERVER_TOKEN: 'server-token' } } },
        },
      },
    });
    try {
      const [said] = outputs(
        await runTurns(
          core,
          mcpGraph({ id: 'env', transport: 'stdio', server: 'env' }, [{ contains: 'go', tool: 'get-env', args: {} }]),
          ['go'],
        ),
      );
      const env = JSON.parse(said!.replace(/^result: /, '')) as Record<string, string>;
      expect(env.SERVER_TOKEN).toBe('tenant-secret');
      expect(env.SB_RUNNER_ONLY_SECRET).toBeUndefined();
    } finally {
      delete process.env.SB_RUNNER_ONLY_SECRET;
      await core.stop();
    }
  });

  it('sends a named tenant credential as the HTTP auth header', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      res.writeHead(401).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const core = await mcpCore({
      tenants: { local: { credentials: { 'remote-key': 'k-123' } } },
      mcpClient: { allowedHosts: ['127.0.0.1'] },
    });
    try {
      const graph = {
        ...mcpGraph({ id: 'remote', transport: 'http', url, credential: 'remote-key' }, [
          { contains: 'go', tool: 'echo', args: {} },
        ]),
      };
      const events = await runTurns(core, graph, ['go']);
      expect(seen[0]).toBe('Bearer k-123');
      expect(ofType(events, 'warning').map((w) => w.code)).toContain('mcp_unavailable');
      expect(ofType(events, 'turn_end')[0].reason).toBe('completed');
    } finally {
      await core.stop();
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });

  it('runs examples/mcp-tools.json from the CLI', async () => {
    const result = await runCli(
      [
        'run',
        join(EXAMPLES, 'mcp-tools.json'),
        '--config',
        join(EXAMPLES, 'config/mcp-everything.json'),
        '--message',
        'please add',
        '--json',
      ],
      { cwd: ROOT } as never,
    );
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string } & Record<string, unknown>);
    expect(
      events.filter((e) => e.event === 'message' && e.output && e.sender !== 'user').map((e) => e.content),
    ).toEqual(['The MCP server added it up: The sum of 20 and 22 is 42.']);
    expect(events.find((e) => e.event === 'tool_call')).toMatchObject({
      server: 'everything',
      tool: 'get-sum',
      ok: true,
    });
  });
});
