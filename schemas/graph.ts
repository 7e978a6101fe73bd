import { z } from 'zod';
import { Id, Text, TopicTypeName } from './ids.ts';
import { Agent } from './kinds/index.ts';
import { McpServer } from './mcp.ts';
import { ModelDef } from './models.ts';
import { Manifest } from './manifest.ts';

export const GRAPH_FORMAT = 'switchboard/graph';
export const GRAPH_VERSION = 1;

export const Topic = z
  .object({
    id: Id,
    /** The AutoGen topic type; the topic source is always the session id. */
    type: TopicTypeName,
    label: Text(200).optional(),
    description: Text(2000).optional(),
  })
  .strict();
export type Topic = z.infer<typeof Topic>;

/** topic → agent. `prefix` is AutoGen's TypePrefixSubscription: the topic's type is the prefix. */
export const Subscription = z
  .object({
    id: Id,
    topic: Id,
    agent: Id,
    kind: z.enum(['type', 'prefix']).default('type'),
  })
  .strict();
export type Subscription = z.infer<typeof Subscription>;

/** agent → topic: a topic the agent may publish to. */
export const Publication = z.object({ id: Id, agent: Id, topic: Id }).strict();
export type Publication = z.infer<typeof Publication>;

/** Bounds every turn and session of this graph; the runner adds its own hard ceilings. */
export const Limits = z
  .object({
    maxMessagesPerTurn: z.number().int().min(1).max(100_000).default(100),
    maxTurnMs: z
      .number()
      .int()
      .min(100)
      .max(24 * 3600_000)
      .default(120_000),
    maxTokensPerSession: z.number().int().min(1).max(1_000_000_000).default(1_000_000),
    /** Hosts the `http_get` tool and HTTP MCP servers may reach. Empty: none. */
    allowedHosts: z.array(z.string().min(1).max(253)).max(100).default([]),
  })
  .strict();
export type Limits = z.infer<typeof Limits>;

const Position = z.object({ x: z.number().finite(), y: z.number().finite() }).strict();

/** Canvas positions, kept apart from semantics so moving a node never changes behaviour. */
export const Layout = z
  .object({
    nodes: z.record(Id, Position).default({}),
    viewport: z
      .object({ x: z.number().finite(), y: z.number().finite(), zoom: z.number().min(0.01).max(100) })
      .strict()
      .optional(),
  })
  .strict();

export const Meta = z
  .object({
    createdAt: z.string().max(64).optional(),
    updatedAt: z.string().max(64).optional(),
    author: Text(200).optional(),
    tags: z.array(Text(64)).max(50).default([]),
  })
  .strict();

export const Graph = z
  .object({
    format: z.literal(GRAPH_FORMAT),
    version: z.literal(GRAPH_VERSION),
    id: Id,
    name: Text(200).min(1, 'must not be empty'),
    description: Text(10_000).default(''),
    models: z.array(ModelDef).max(100).default([]),
    /** MCP servers whose tools agents may call (see mcp.ts). */
    mcpServers: z.array(McpServer).max(32).optional(),
    agents: z.array(Agent).max(5000),
    topics: z.array(Topic).max(5000),
    subscriptions: z.array(Subscription).max(20_000),
    publications: z.array(Publication).max(20_000),
    /** Topic id where a user's message enters. */
    entry: Id,
    /**
     * Topic id where the runner publishes a session-start message when a session is created
     * (user, tenant, time, the client's context), so agents can greet the user or load memory
     * before the first user message. Without it a session waits for the user.
     */
    start: Id.optional(),
    /** Topic ids whose messages the user sees. */
    output: z.array(Id).min(1, 'needs at least one output topic').max(100),
    limits: Limits.default(Limits.parse({})),
    layout: Layout.default({ nodes: {} }),
    meta: Meta.default({ tags: [] }),
    /** Written by exportGraph: what the graph needs to run elsewhere. Informational; validation warns when stale. */
    manifest: Manifest.optional(),
  })
  .strict();

/** A graph as stored and exchanged (defaults applied). */
export type Graph = z.infer<typeof Graph>;
/** A graph as written by hand (defaults optional). */
export type GraphInput = z.input<typeof Graph>;
