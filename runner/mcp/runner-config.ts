import { z } from 'zod';
import { CredentialName } from '../../schemas/ids.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * A stdio MCP server as the runner's operator defines it for one tenant. Graphs only name it:
 * what runs on this machine is decided here, never by a graph someone imported.
 */
export const McpStdioServerConfig = z
  .object({
    command: z.string().min(1).max(1000),
    args: z.array(z.string().max(10_000)).max(100).default([]),
    /** Environment of the process: variable name → name of one of the tenant's credentials. */
    env: z
      .record(z.string(), CredentialName)
      .superRefine((env, ctx) => {
        for (const name of Object.keys(env))
          if (!ENV_NAME.test(name))
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'must be an environment variable name (letters, digits, "_")',
            });
      })
      .default({}),
    cwd: z.string().min(1).max(1000).optional(),
  })
  .strict();
export type McpStdioServerConfig = z.infer<typeof McpStdioServerConfig>;

/** The runner's own bounds on every MCP server a graph uses. */
export const McpLimits = z
  .object({
    /** Hosts HTTP MCP servers may be on, whatever a graph allows: "host", "host:port" or "*.domain". Empty: none. */
    allowedHosts: z.array(z.string().min(1).max(253)).max(100).default([]),
    /** Longest wait for one tools/call. */
    callTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Longest wait to connect and list a server's tools. */
    connectTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** First wait before trying an unreachable server again; it doubles per failure (with jitter). */
    reconnectBaseMs: z.number().int().min(10).max(60_000).default(500),
    /** Longest wait between two attempts to reach an unreachable server. */
    reconnectMaxMs: z.number().int().min(10).max(600_000).default(30_000),
    /** Most characters of one call's result handed to a model; the rest is cut with a marker. */
    maxResultChars: z.number().int().min(100).max(1_000_000).default(20_000),
  })
  .strict();
export type McpLimits = z.infer<typeof McpLimits>;
