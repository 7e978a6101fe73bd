import { z } from 'zod';
import { CredentialName, Id } from './ids.ts';

/**
 * A tool name as MCP servers give it and OpenAI tool calling accepts it. A server's tool with
 * any other name is left out at run time rather than handed to a model that would refuse it.
 */
export const McpToolName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may only contain letters, digits, "_" and "-"');

const McpCommon = {
  id: Id,
  /** Tools of the server the graph may use; empty: every tool it lists. */
  allowedTools: z.array(McpToolName).max(200).default([]),
};

/**
 * An MCP server reached over Streamable HTTP. Its host must pass the graph's
 * `limits.allowedHosts` and the runner's `mcpClient.allowedHosts`.
 */
export const McpHttpServer = z
  .object({
    ...McpCommon,
    transport: z.literal('http'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2000),
    /** Name of a tenant credential in the runner config sent as the auth header; never its value. */
    credential: CredentialName.optional(),
    /** Header that carries the credential; "Authorization" gets "Bearer <value>". */
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')
      .default('Authorization'),
  })
  .strict();

/**
 * An MCP server the runner starts as a child process. A graph is data people share, so it only
 * names a server the runner's config defines (`tenants.<tenant>.mcpServers`); the command, its
 * arguments and environment live there. `command`, `args` and `env` are read here only so
 * validation can refuse them with a clear error (see validation/mcp.ts).
 */
export const McpStdioServer = z
  .object({
    ...McpCommon,
    transport: z.literal('stdio'),
    /** Name of a stdio server in the runner config of the graph's tenant. */
    server: Id,
    command: z.unknown().optional(),
    args: z.unknown().optional(),
    env: z.unknown().optional(),
  })
  .strict();

export const McpServer = z.discriminatedUnion('transport', [McpHttpServer, McpStdioServer]);
export type McpServer = z.infer<typeof McpServer>;

/** A `tool` agent's MCP tool: one tool of one of the graph's MCP servers. */
export const McpToolRef = z.object({ server: Id, tool: McpToolName }).strict();
export type McpToolRef = z.infer<typeof McpToolRef>;

/** Keys a graph may not give a stdio server: they would make a shared file run a program. */
export const STDIO_COMMAND_KEYS = ['command', 'args', 'env'] as const;
