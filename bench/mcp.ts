/**
 * The cost of an MCP tool call made by an assistant in a turn, beside the same call made directly
 * with the SDK client in the same run. Both reach their own `everything` server over stdio and
 * call `echo` with the same message.
 *
 * In a turn, the call's cost is what a turn whose scripted model calls the MCP tool takes beyond
 * the same turn calling a built-in tool (`calculator` on "1+1") instead: both turns have the
 * same two model steps, tool-call round and reply, so what is left is the MCP call as the runner
 * makes it (the graph's server and allowed tools, the shared client, the bounded call, the result
 * as text, its trace event). `mcp_call_overhead_ratio` is that over the direct call.
 * `mcp_call_vs_plain_turn_ratio` keeps the earlier baseline, a turn that answers without any tool:
 * it also charges the MCP call with the second model step every tool call needs.
 * The four kinds are interleaved one by one so a busy machine weighs on each alike; figures are
 * medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createCore } from '../runner/app.ts';
import { parseConfig } from '../runner/config.ts';
import { Graph } from '../schemas/graph.ts';
import { everythingStdio } from '../test/helpers/mcp-servers.ts';
import { mcpGraph } from '../test/integration/mcp-run.ts';

const ROUNDS = 20;
const BLOCK = 10;
const MESSAGE = 'benchmark';

const graph = Graph.parse({
  ...mcpGraph(
    { id: 'everything', transport: 'stdio', server: 'everything', allowedTools: ['echo'] },
    [],
    ['calculator'],
  ),
  id: 'mcp-bench',
  models: [
    {
      id: 'm',
      provider: 'scripted',
      rules: [
        { match: { contains: 'mcp' }, toolCalls: [{ name: 'echo', arguments: { message: MESSAGE } }], reply: '{tool}' },
        {
          match: { contains: 'builtin' },
          toolCalls: [{ name: 'calculator', arguments: { expression: '1+1' } }],
          reply: '{tool}',
        },
        { match: { contains: 'plain' }, reply: `Echo: ${MESSAGE}` },
      ],
    },
  ],
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(log: (s: string) => void): Promise<Record<string, number>> {
  const stdio = everythingStdio();
  const direct = new Client({ name: 'bench', version: '1' });
  await direct.connect(new StdioClientTransport({ command: stdio.command, args: stdio.args, stderr: 'ignore' }));

  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-mcp-'));
  const core = createCore(
    parseConfig({
      host: '127.0.0.1',
      logLevel: 'silent',
      dataDir: dir,
      tenants: { local: { mcpServers: { everything: stdio } } },
    }),
  );
  const caller = { tenant: 'local' };
  await core.store.putGraph({ tenant: 'local', id: graph.id, version: 1, graph, draft: false, updatedAt: Date.now() });
  const session = await core.sessions.create(caller, { graphId: graph.id, version: 1 });
  const inTurn: number[] = [];
  const off = await core.sessions.subscribe(caller, session.id, (event, payload) => {
    if (event === 'tool_call') inTurn.push((payload as { latencyMs: number }).latencyMs);
  });

  const time = async (task: () => Promise<unknown>) => {
    const t0 = performance.now();
    await task();
    return performance.now() - t0;
  };
  const directCall = () => direct.callTool({ name: 'echo', arguments: { message: MESSAGE } });
  const turn = async (content: string) => {
    await core.sessions.send(caller, session.id, { content });
    await core.sessions.settled(caller, session.id);
  };

  // Warm-up: connections, JIT, the first tool list.
  for (let i = 0; i < BLOCK; i++)
    await Promise.all([directCall(), turn('mcp'), turn('builtin'), turn('plain')]).catch(() => undefined);
  inTurn.length = 0;

  const directMs: number[] = [];
  const toolTurnMs: number[] = [];
  const builtinTurnMs: number[] = [];
  const plainTurnMs: number[] = [];
  // Each turn follows a turn, so the two turns compared start from the same state (the store's
  // writes of the turn before); the direct call follows a turn too, and each server has been
  // idle for one round when its call comes.
  for (let i = 0; i < ROUNDS * BLOCK; i++) {
    plainTurnMs.push(await time(() => turn('plain')));
    builtinTurnMs.push(await time(() => turn('builtin')));
    toolTurnMs.push(await time(() => turn('mcp')));
    directMs.push(await time(directCall));
  }
  off();
  await core.close();
  await direct.close();
  rmSync(dir, { recursive: true, force: true });

  const directMedian = median(directMs);
  const callInTurn = median(toolTurnMs) - median(builtinTurnMs);
  log(
    `direct SDK callTool: ${directMedian.toFixed(3)} ms; turn with the MCP call ${median(toolTurnMs).toFixed(3)} ms, with a built-in call ${median(builtinTurnMs).toFixed(3)} ms, without a tool ${median(plainTurnMs).toFixed(3)} ms`,
  );
  log(`the call inside the runner (tool_call latency): ${median(inTurn).toFixed(3)} ms`);
  return {
    mcp_direct_call_ms: directMedian,
    mcp_turn_with_call_ms: median(toolTurnMs),
    mcp_turn_without_call_ms: median(plainTurnMs),
    mcp_turn_with_builtin_call_ms: median(builtinTurnMs),
    mcp_call_in_turn_ms: callInTurn,
    mcp_call_latency_in_runner_ms: median(inTurn),
    mcp_call_overhead_ratio: callInTurn / directMedian,
    mcp_call_vs_plain_turn_ratio: (median(toolTurnMs) - median(plainTurnMs)) / directMedian,
    /** The call alone, as the runner times it (tool_call latencyMs), against the direct call. */
    mcp_call_latency_ratio: median(inTurn) / directMedian,
  };
}
