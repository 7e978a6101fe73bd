import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphInput } from '../../schemas/graph.ts';
import { validateGraph } from '../../schemas/validate.ts';
import { everythingStdio, faultyStdio } from '../helpers/mcp-servers.ts';
import { api, startTestRunner, type TestRunner } from '../integration/helpers.ts';
import { mcpCore, mcpGraph, ofType, outputs, runTurns, type AnyEvent } from '../integration/mcp-run.ts';
import { hostileCases, type ObservedError } from './harness/cases.ts';
import { count } from './harness/tally.ts';
import { clone, echoGraph } from './fixtures/graphs.ts';

/**
 * Hostile MCP inputs: a graph that tries to run a program, servers outside the allow-lists, a
 * server tool named like a built-in, and servers that answer garbage. Each is refused with a
 * clear code, and a turn that meets one still completes.
 */

/** A graph that names a stdio server and also a program to run: the part a shared file must never carry. */
const withCommand = (extra: Record<string, unknown>): GraphInput => {
  const g = clone(echoGraph('cmd')) as any;
  g.mcpServers = [{ id: 'evil', transport: 'stdio', server: 'everything', ...extra }];
  return g;
};

describe('a graph that names a stdio command', () => {
  const firstError = (graph: GraphInput): ObservedError => {
    const error = validateGraph(graph).problems.find((p) => p.severity === 'error');
    return error && { code: error.code, path: error.path, message: error.message };
  };
  hostileCases<GraphInput>(
    [
      {
        name: 'command',
        input: withCommand({ command: '/bin/sh' }),
        expect: {
          code: 'mcp_stdio_command',
          path: '/mcpServers/0/command',
          message: /may not name a program to run \("command"\)/,
        },
      },
      {
        name: 'args only',
        input: withCommand({ args: ['-c', 'rm -rf /'] }),
        expect: { code: 'mcp_stdio_command', path: '/mcpServers/0/args' },
      },
      {
        name: 'env only',
        input: withCommand({ env: { LD_PRELOAD: '/tmp/x.so' } }),
        expect: { code: 'mcp_stdio_command', path: '/mcpServers/0/env' },
      },
    ],
    firstError,
  );

  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner({ tenants: { local: { mcpServers: { everything: everythingStdio() } } } });
  });
  afterAll(async () => {
    await runner?.stop();
  });

  hostileCases<GraphInput>(
    [
      {
        name: 'is refused by REST, naming the field',
        input: withCommand({ command: 'node', args: ['-e', 'process.exit(9)'] }),
        expect: { status: 400, code: 'invalid', path: '/mcpServers/0/command' },
      },
    ],
    async (graph) => {
      const res = await api(runner.url, 'POST', '/api/graphs', { body: { graph } });
      const problem = res.json?.error?.details?.problems?.find((p: { severity: string }) => p.severity === 'error');
      return res.status === 201
        ? undefined
        : { status: res.status, code: res.json?.error?.code, path: problem?.path, message: problem?.message };
    },
  );
});

describe('MCP servers at run time', () => {
  let garbageHttp: Server;
  let garbageUrl: string;
  beforeAll(async () => {
    // Answers every request with 200 and a body that is no MCP message at all.
    garbageHttp = createServer((req, res) => {
      req.resume();
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"jsonrpc":"2.0","id":"x","result":<html>not json');
    });
    await new Promise<void>((ok) => garbageHttp.listen(0, '127.0.0.1', ok));
    garbageUrl = `http://127.0.0.1:${(garbageHttp.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    await new Promise<void>((ok) => garbageHttp.close(() => ok()));
  });

  /** Runs `graph` twice (the second turn shows the session is still fine) and returns the events. */
  async function twoTurns(graph: GraphInput, config: Record<string, unknown> = {}): Promise<AnyEvent[]> {
    const core = await mcpCore({
      tenants: { local: { mcpServers: { faulty: faultyStdio(), garbage: faultyStdio('garbage') } } },
      mcpClient: { connectTimeoutMs: 20_000 },
      ...config,
    });
    try {
      const events = await runTurns(core, graph, ['go', 'go']);
      expect(ofType(events, 'turn_end').map((e) => e.reason)).toEqual(['completed', 'completed']);
      return events;
    } finally {
      await core.stop();
    }
  }
  const warningOf = (events: AnyEvent[]): ObservedError => {
    const w = ofType(events, 'warning').find((e) => e.code.startsWith('mcp_'));
    return w && { code: w.code, message: w.message };
  };
  const http = (url: string, hosts: string[]) => ({
    ...mcpGraph({ id: 'remote', transport: 'http', url }, [{ contains: 'go', tool: 'echo', args: { message: 'hi' } }]),
    limits: { allowedHosts: hosts },
  });

  hostileCases<() => Promise<AnyEvent[]>>(
    [
      {
        name: 'a URL outside the runner allow-list',
        input: () => () =>
          twoTurns(http('http://127.0.0.1:9/mcp', ['127.0.0.1:9']), {
            mcpClient: { allowedHosts: ['mcp.example.com'] },
          }),
        expect: {
          code: 'mcp_unavailable',
          message: /host "127\.0\.0\.1:9" is not in the runner's mcpClient\.allowedHosts/,
        },
      },
      {
        name: 'a URL outside the graph allow-list',
        input: () => () =>
          twoTurns(http('http://169.254.169.254/mcp', ['127.0.0.1']), {
            mcpClient: { allowedHosts: ['169.254.169.254'] },
          }),
        expect: {
          code: 'mcp_unavailable',
          message: /host "169\.254\.169\.254" is not in the graph's limits\.allowedHosts/,
        },
      },
      {
        name: 'an HTTP server answering garbage',
        input: () => () =>
          twoTurns(http(garbageUrl, [new URL(garbageUrl).host]), { mcpClient: { allowedHosts: ['127.0.0.1'] } }),
        expect: { code: 'mcp_unavailable', message: /cannot connect to MCP server "remote"/ },
      },
      {
        name: 'a stdio server answering garbage',
        input: () => () =>
          twoTurns(
            mcpGraph({ id: 'junk', transport: 'stdio', server: 'garbage' }, [
              { contains: 'go', tool: 'echo', args: { message: 'hi' } },
            ]),
          ),
        expect: { code: 'mcp_unavailable', message: /cannot connect to MCP server "junk"/ },
      },
      {
        name: 'a server tool named like a built-in',
        input: () => () =>
          twoTurns(
            mcpGraph(
              { id: 'faulty', transport: 'stdio', server: 'faulty' },
              [{ contains: 'go', tool: 'calculator', args: { expression: '6*7' } }],
              ['calculator'],
            ),
          ),
        expect: {
          code: 'mcp_tool_collision',
          message: /tool "calculator" left out: the name is already taken by a built-in tool/,
        },
      },
    ],
    async (run) => warningOf(await run()),
  );

  it('a colliding tool never stands in for the built-in; the model still gets the built-in answer', async () => {
    count({ cases: 1 });
    const events = await twoTurns(
      mcpGraph(
        { id: 'faulty', transport: 'stdio', server: 'faulty' },
        [{ contains: 'go', tool: 'calculator', args: { expression: '6*7' } }],
        ['calculator'],
      ),
    );
    expect(outputs(events)).toEqual(['result: 42', 'result: 42']);
    // The server was reached (its tools were listed) and its "calculator" was never called.
    expect(ofType(events, 'warning').filter((w) => w.code === 'mcp_tool_collision')).toHaveLength(2);
    expect(ofType(events, 'tool_call')).toEqual([]);
  });

  it('a model calling a tool of an unreachable server gets a tool error, not a failed turn', async () => {
    count({ cases: 1 });
    const events = await twoTurns(
      mcpGraph({ id: 'junk', transport: 'stdio', server: 'garbage' }, [
        { contains: 'go', tool: 'echo', args: { message: 'hi' } },
      ]),
    );
    expect(outputs(events)[0]).toMatch(/^result: Error: tool "echo" is not enabled for this agent/);
  });

  it('a server answering a call with garbage: the call fails at once, the next one reconnects', async () => {
    count({ cases: 1 });
    const graph = mcpGraph({ id: 'faulty', transport: 'stdio', server: 'faulty' }, [
      { contains: 'garble', tool: 'garble', args: {} },
      { contains: 'echo', tool: 'echo', args: { message: 'fine' } },
    ]);
    const core = await mcpCore({
      tenants: { local: { mcpServers: { faulty: faultyStdio() } } },
      mcpClient: { connectTimeoutMs: 20_000, callTimeoutMs: 60_000 },
    });
    try {
      const events = await runTurns(core, graph, ['garble', 'echo']);
      expect(outputs(events)[0]).toMatch(/^result: Error: MCP tool "garble" on "faulty" failed/);
      expect(ofType(events, 'tool_call')[0]!.latencyMs).toBeLessThan(10_000); // not the 60 s call timeout
      expect(outputs(events)[1]).toBe('result: echo: fine');
      expect(ofType(events, 'turn_end').map((e) => e.reason)).toEqual(['completed', 'completed']);
    } finally {
      await core.stop();
    }
  });

  it('a graph allowing a built-in name as an MCP tool does not validate', () => {
    count({ cases: 1 });
    const graph = mcpGraph({ id: 'faulty', transport: 'stdio', server: 'faulty', allowedTools: ['calculator'] }, []);
    expect(validateGraph(graph).problems.filter((p) => p.severity === 'error')).toEqual([
      expect.objectContaining({ code: 'mcp_tool_collision', path: '/mcpServers/0/allowedTools/0' }),
    ]);
  });
});
