import { createCore, type Core } from '../../runner/app.ts';
import { parseConfig, type ConfigInput } from '../../runner/config.ts';
import { Graph, type GraphInput } from '../../schemas/graph.ts';
import type { ServerEventName, ServerEvents } from '../../schemas/protocol.ts';
import { validateGraph } from '../../schemas/validate.ts';
import { tempDir } from './helpers.ts';

export type AnyEvent = { event: ServerEventName } & Record<string, any>;

/** A runner core (store + sessions + MCP pool, no HTTP) in a temp folder, for turns that call MCP tools. */
export async function mcpCore(config: ConfigInput): Promise<Core & { stop(): Promise<void> }> {
  const dir = tempDir('sb-mcp-');
  const core = createCore(parseConfig({ host: '127.0.0.1', logLevel: 'silent', ...config, dataDir: dir.path }));
  return {
    ...core,
    async stop() {
      await core.close();
      dir.remove();
    },
  };
}

/** Saves the graph (it must validate without errors), opens a session and runs one turn per message. */
export async function runTurns(
  core: Core,
  input: GraphInput | Graph,
  messages: string[],
  hooks: { onEvent?(e: AnyEvent, sessionId: string): void } = {},
): Promise<AnyEvent[]> {
  const checked = validateGraph(input);
  if (!checked.ok) throw new Error(`graph does not validate: ${JSON.stringify(checked.problems)}`);
  const graph = Graph.parse(input);
  const caller = { tenant: 'local' };
  const version = ((await core.store.listGraphVersions('local', graph.id)).at(-1) ?? 0) + 1;
  await core.store.putGraph({ tenant: 'local', id: graph.id, version, graph, draft: false, updatedAt: Date.now() });
  const session = await core.sessions.create(caller, { graphId: graph.id, version });
  const events: AnyEvent[] = [];
  const off = await core.sessions.subscribe(
    caller,
    session.id,
    <E extends ServerEventName>(event: E, payload: ServerEvents[E]) => {
      const e = { event, ...payload } as AnyEvent;
      events.push(e);
      hooks.onEvent?.(e, session.id);
    },
  );
  for (const content of messages) {
    await core.sessions.send(caller, session.id, { content });
    await core.sessions.settled(caller, session.id);
  }
  off();
  return events;
}

export const outputs = (events: AnyEvent[]) =>
  events.filter((e) => e.event === 'message' && e.output && e.sender !== 'user').map((e) => e.content as string);
export const ofType = <E extends ServerEventName>(events: AnyEvent[], name: E) =>
  events.filter((e) => e.event === name) as unknown as ServerEvents[E][];

/** One assistant whose scripted model calls `calls` (one rule per message keyword) on MCP server `server`. */
export function mcpGraph(
  server: NonNullable<GraphInput['mcpServers']>[number],
  rules: Array<{ contains: string; tool: string; args: Record<string, unknown> }>,
  tools: Array<'calculator'> = [],
): GraphInput {
  return {
    format: 'switchboard/graph',
    version: 1,
    id: 'mcp-test',
    name: 'MCP test',
    models: [
      {
        id: 'm',
        provider: 'scripted',
        rules: rules.map((r) => ({
          match: { contains: r.contains },
          toolCalls: [{ name: r.tool, arguments: r.args }],
          reply: 'result: {tool}',
        })),
      },
    ],
    mcpServers: [server],
    agents: [
      {
        id: 'a',
        type: 'assistant',
        kind: 'assistant',
        config: { model: 'm', tools, mcpServers: [server.id], stream: false },
      },
    ],
    topics: [
      { id: 'in', type: 'in' },
      { id: 'out', type: 'out' },
    ],
    subscriptions: [{ id: 's', topic: 'in', agent: 'a' }],
    publications: [{ id: 'p', agent: 'a', topic: 'out' }],
    entry: 'in',
    output: ['out'],
    ...(server.transport === 'http' ? { limits: { allowedHosts: [new URL(server.url).host] } } : {}),
  };
}
