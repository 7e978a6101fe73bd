import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { CredentialName, Id } from '../schemas/ids.ts';
import { McpLimits, McpStdioServerConfig } from './mcp/runner-config.ts';
import { ModelDef } from '../schemas/models.ts';

/**
 * The runner's configuration: an optional JSON file (--config / SWITCHBOARD_CONFIG) overlaid by
 * environment variables and command-line options. Credentials stay in this object and are handed
 * to sessions by name; they are never copied into process.env.
 */

/** Tenant names become path segments and room names, so they follow the narrow id rule. */
export const TenantName = Id;
export const LOCAL_TENANT = 'local';

const TokenEntry = z
  .object({
    token: z.string().min(16, 'must be at least 16 characters').max(512),
    tenant: TenantName,
    /** Sessions created with this token belong to this user (for filters and long-term memory). */
    user: z.string().min(1).max(200).optional(),
    /** After this instant (ISO 8601) the token is refused like an unknown one. */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const Tenant = z
  .object({
    /** Named secrets graphs refer to (model keys, tool tokens); values never leave the runner. */
    credentials: z.record(CredentialName, z.string().min(1).max(10_000)).default({}),
    /** Stdio MCP servers this tenant's graphs may name (see runner/mcp/runner-config.ts). */
    mcpServers: z.record(Id, McpStdioServerConfig).default({}),
  })
  .strict();

const Bucket = z
  .object({
    /** Sustained events per second. */
    perSecond: z.number().positive().max(1_000_000),
    /** Events allowed in a burst above the sustained rate. */
    burst: z.number().int().min(1).max(1_000_000),
  })
  .strict();

const Limits = z
  .object({
    /** Largest JSON body on HTTP. */
    bodyBytes: z.number().int().min(1024).max(50_000_000).default(2_000_000),
    /** Largest Socket.IO packet (engine maxHttpBufferSize) and largest single event payload. */
    socketPayloadBytes: z.number().int().min(1024).max(50_000_000).default(200_000),
    /** Per tenant (per client address when unauthenticated). */
    http: Bucket.default({ perSecond: 200, burst: 400 }),
    /** Socket.IO events per socket. */
    socket: Bucket.default({ perSecond: 100, burst: 200 }),
    /** Socket.IO events per tenant, summed over all of its sockets. */
    socketTenant: Bucket.default({ perSecond: 200, burst: 400 }),
    /** Socket.IO handshakes per tenant (a valid token). */
    handshakeTenant: Bucket.default({ perSecond: 10, burst: 50 }),
    /** Socket.IO handshakes without a valid token, per client address (see trustProxy). */
    handshakeAddress: Bucket.default({ perSecond: 2, burst: 20 }),
  })
  .strict();

/**
 * Which peers may tell the client's address in X-Forwarded-For, as Express's `trust proxy`: how
 * many proxies stand in front (a number), or their addresses and subnets ("10.0.0.1",
 * "10.0.0.0/8", "loopback", "uniquelocal"). Not `true`: trusting every peer would let any client
 * name its own address and so pick a fresh per-address budget on each request.
 */
const TrustProxy = z.union([
  z.literal(false),
  z.number().int().min(0).max(20),
  z
    .array(
      z
        .string()
        .min(1)
        .max(64)
        .refine(
          isProxyAddress,
          'must be an IP address, a subnet (10.0.0.0/8) or one of loopback, linklocal, uniquelocal',
        ),
    )
    .max(100),
]);

function isProxyAddress(address: string): boolean {
  try {
    proxyaddr.compile(address);
    return true;
  } catch {
    return false;
  }
}

const Retention = z
  .object({
    maxAgeMs: z.number().int().min(60_000).optional(),
    maxSessionsPerTenant: z.number().int().min(1).optional(),
    /** How often the policy runs; it also runs once at start. */
    intervalMs: z.number().int().min(60_000).default(3_600_000),
  })
  .strict();

/** An origin as browsers send it: scheme, host and port, nothing else. */
const Origin = z
  .string()
  .max(300)
  .refine(
    (s) => URL.canParse(s) && new URL(s).origin === s,
    'must be an origin like "https://app.example.com" (scheme, host and optional port, no path)',
  );

const Mcp = z
  .object({
    /**
     * Browser origins allowed to call /mcp besides loopback ones (DNS-rebinding protection:
     * a request whose Origin is not listed is refused with 403).
     */
    allowedOrigins: z.array(Origin).max(100).default([]),
    /** Open MCP sessions per tenant; an initialize beyond it is refused until one closes or expires. */
    maxSessionsPerTenant: z.number().int().min(1).max(100_000).default(100),
  })
  .strict();

export const ConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65_535).default(8787),
    host: z.string().min(1).max(253).default('127.0.0.1'),
    dataDir: z.string().min(1).default('./data'),
    redisUrl: z.url().optional(),
    /** Namespace of every Redis key, so several deployments (or test runs) can share one Redis. */
    redisPrefix: z
      .string()
      .regex(/^[\w.:-]{1,64}$/, 'may only contain letters, digits, "_", ".", ":" and "-" (1-64)')
      .default('sb:'),
    /** PostgreSQL (postgres://user:password@host:port/database[?search_path=schema]): the durable store, instead of the data folder. */
    databaseUrl: z
      .string()
      .max(2000)
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** A session with no activity for this long is checkpointed and its agents freed. */
    idleTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(30 * 24 * 3_600_000)
      .default(15 * 60_000),
    /**
     * Token deltas of one message sent within this window go to sockets and SSE streams as one
     * delta (fewer frames at scale; no person reads faster). 0 sends every token on its own.
     */
    tokenWindowMs: z.number().int().min(0).max(1000).default(50),
    tokens: z.array(TokenEntry).max(10_000).default([]),
    /** Bounds on the MCP servers graphs use as tools (runner/mcp/runner-config.ts). */
    mcpClient: McpLimits.default(McpLimits.parse({})),
    tenants: z.record(TenantName, Tenant).default({}),
    limits: Limits.default(Limits.parse({})),
    trustProxy: TrustProxy.default(false),
    retention: Retention.default(Retention.parse({})),
    /** The /mcp endpoint (every graph as an MCP tool). */
    mcp: Mcp.default(Mcp.parse({})),
    /** Folder of the built designer; served when it holds an index.html. */
    designerDir: z.string().min(1).default('dist/designer'),
    /** The model a new graph in the designer starts with (e.g. an OpenAI model naming a credential). */
    defaultModel: ModelDef.optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.tokens.forEach((t, i) => {
      if (seen.has(t.token)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'token'], message: 'duplicate token' });
      seen.add(t.token);
    });
  });

export type ConfigInput = z.input<typeof ConfigSchema>;
export type ParsedConfig = z.infer<typeof ConfigSchema>;

/** The validated configuration plus what follows from it. */
export interface Config extends ParsedConfig {
  /** No tokens, loopback host: every request is the "local" tenant. */
  noAuth: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/** Validates a config object; throws a ConfigError naming every bad field. */
export function parseConfig(input: unknown): Config {
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  const noAuth = config.tokens.length === 0;
  if (noAuth && !isLoopback(config.host)) {
    throw new ConfigError(
      `refusing to listen on ${config.host} without API tokens: the no-auth mode is only for loopback hosts. ` +
        'Add "tokens" to the config file (or SWITCHBOARD_TOKENS="token=tenant,...") or bind to 127.0.0.1.',
    );
  }
  return { ...config, noAuth };
}

/** Environment variables the runner reads; anything else in the environment is ignored. */
export interface ConfigSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Command-line options: win over the file and the environment. */
  overrides?: ConfigInput;
}

/** File < environment < overrides. */
export function loadConfig({ file, env = process.env, overrides = {} }: ConfigSources = {}): Config {
  const path = file ?? env.SWITCHBOARD_CONFIG;
  const fromFile = path ? readConfigFile(path) : {};
  const fromEnv = configFromEnv(env);
  return parseConfig(merge(merge(fromFile, fromEnv), overrides as Record<string, unknown>));
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid: ${(e as Error).message}`);
  }
}

function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const num = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new ConfigError(`${name} must be a number, got "${v}"`);
    return n;
  };
  if (num('PORT') !== undefined) out.port = num('PORT');
  if (env.HOST) out.host = env.HOST;
  if (env.DATA_DIR) out.dataDir = env.DATA_DIR;
  if (env.REDIS_URL) out.redisUrl = env.REDIS_URL;
  if (env.REDIS_PREFIX) out.redisPrefix = env.REDIS_PREFIX;
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  if (num('IDLE_TIMEOUT_MS') !== undefined) out.idleTimeoutMs = num('IDLE_TIMEOUT_MS');
  if (num('TOKEN_WINDOW_MS') !== undefined) out.tokenWindowMs = num('TOKEN_WINDOW_MS');
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL;
  if (env.SWITCHBOARD_TOKENS) out.tokens = parseTokenList(env.SWITCHBOARD_TOKENS);
  if (env.TRUST_PROXY)
    out.trustProxy = /^\d+$/.test(env.TRUST_PROXY)
      ? Number(env.TRUST_PROXY)
      : env.TRUST_PROXY.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  return out;
}

/** "token=tenant[:user],token2=tenant2" */
function parseTokenList(list: string): Array<{ token: string; tenant: string; user?: string }> {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.lastIndexOf('=');
      if (eq < 1) throw new ConfigError('SWITCHBOARD_TOKENS entries must look like token=tenant or token=tenant:user');
      const [tenant, user] = entry.slice(eq + 1).split(':');
      return { token: entry.slice(0, eq), tenant, ...(user ? { user } : {}) };
    });
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? merge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A tenant's named credential, or undefined. */
export function credentialOf(config: Config, tenant: string, name: string): string | undefined {
  return Object.hasOwn(config.tenants, tenant) ? config.tenants[tenant].credentials[name] : undefined;
}
