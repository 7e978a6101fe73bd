import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { joinCluster, type ClusterMember } from './cluster/join.ts';
import { postgresDurable } from './cluster/postgres-durable.ts';
import { loadGraph } from './agents/load-graph.ts';
import { LOCAL_TENANT, loadConfig, type Config, type ConfigInput } from './config.ts';
import { McpPool } from './mcp/pool.ts';
import { ModelRegistry } from './models/registry.ts';
import { SingleThreadedAgentRuntime } from './runtime/index.ts';
import { createAuth, requireCaller } from './server/auth.ts';
import { createHttpApp } from './server/http-app.ts';
import { mcpEndpoint } from './server/mcp/mcp-endpoint.ts';
import { Metrics } from './server/metrics.ts';
import { attachSocketServer } from './server/socket.ts';
import { roomFor } from './sessions/rooms.ts';
import { SessionManager } from './sessions/session-manager.ts';
import { Instruments } from './telemetry/instruments.ts';
import { ModelTelemetry } from './telemetry/model-telemetry.ts';
import { observeStoreWrites } from './telemetry/store-telemetry.ts';
import { setupTracing } from './telemetry/tracing.ts';
import type { Sessions } from './sessions/types.ts';
import { LowdbStore } from './store/lowdb-store.ts';
import { PostgresStore } from './store/postgres/postgres-store.ts';
import { storesOf, type Store, type Stores } from './store/types.ts';

/**
 * The composition root: store + runtime + sessions (the core) and, for `serve`, the HTTP and
 * Socket.IO server on top. The CLI, the tests and the benchmarks all start the runner here.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const EXAMPLES_DIR = join(ROOT, 'examples');
const VERSION = '0.1.0';

export interface Core {
  config: Config;
  store: Store;
  sessions: Sessions;
  log: Logger;
  /** The shared MCP clients (the designer's tool list goes through them too). */
  mcpClients: McpPool;
  /** Checkpoints every session, then closes the store. */
  close(): Promise<void>;
  /** Restarts the turns the last process left running; a cluster does this by taking sessions over instead. */
  resumeInterrupted?(): Promise<number>;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination(2));
}

/**
 * Store and sessions of one process: on the embedded store (what `switchboard run` uses), or on
 * the `store` given (PostgreSQL, see openStore). A process with Redis goes through createClusterCore instead.
 */
export function createCore(
  config: Config,
  log: Logger = createLogger(config),
  instruments?: Instruments,
  store?: Store,
): Core {
  store ??= new LowdbStore(resolve(config.dataDir), {
    onError: (err) =>
      log.error(
        { err },
        'the embedded store could not checkpoint or replay a session (a failed checkpoint keeps the writes in the journal and retries)',
      ),
  });
  const mcpClients = mcpPool(config);
  const sessions = createSessionManager(config, storesOf(store), log, mcpClients, instruments);
  return {
    config,
    store,
    sessions,
    log,
    mcpClients,
    async close() {
      await sessions.shutdown();
      await mcpClients.close();
      await store.close();
    },
    resumeInterrupted: () => sessions.resumeInterrupted([...new Set([LOCAL_TENANT, ...Object.keys(config.tenants)])]),
  };
}

/**
 * Cluster mode (`serve` with Redis): this process joins the others on Redis; its session manager
 * runs behind the cluster layer, which sends each session's work to the process holding its lease.
 */
async function createClusterCore(
  config: Config,
  log: Logger,
  instruments: Instruments,
): Promise<Core & { cluster: ClusterMember }> {
  const mcpClients = mcpPool(config);
  // With DATABASE_URL too, Postgres keeps the data and issues the fences; Redis only coordinates.
  const durable = config.databaseUrl
    ? postgresDurable(await PostgresStore.open({ url: config.databaseUrl }))
    : undefined;
  const cluster = await joinCluster({
    redisUrl: config.redisUrl!,
    prefix: config.redisPrefix,
    durable,
    makeSessions: (stores) => createSessionManager(config, stores, log, mcpClients, instruments),
  });
  return {
    config,
    store: cluster.store,
    sessions: cluster.sessions,
    log,
    mcpClients,
    cluster,
    // Graceful leave: checkpoint, hand every session to a peer, then disconnect.
    close: () => cluster.sessions.shutdown().finally(() => Promise.all([mcpClients.close(), durable?.store.close()])),
  };
}

/** MCP clients shared by every session of this process, bounded by the runner's `mcpClient` limits. */
function mcpPool(config: Config): McpPool {
  return new McpPool({
    limits: config.mcpClient,
    stdio: Object.fromEntries(Object.entries(config.tenants).map(([tenant, t]) => [tenant, t.mcpServers])),
  });
}

function createSessionManager(
  config: Config,
  stores: Stores,
  log: Logger,
  mcp: McpPool,
  instruments?: Instruments,
): SessionManager {
  const runtime = new SingleThreadedAgentRuntime();
  const observed = <S extends object>(store: S) =>
    instruments ? observeStoreWrites(store, storeName(config), instruments) : store;
  return new SessionManager({
    stores: { graphs: observed(stores.graphs), sessions: observed(stores.sessions), memory: observed(stores.memory) },
    runtime,
    onSaveError: (err, { tenant, id, code }) =>
      log.error({ err, tenant, sessionId: id, code }, 'could not save a session after its turn; the next save retries'),
    loadGraph,
    models: new ModelRegistry({
      fallbackApiKey: process.env.OPENAI_API_KEY,
      ...(instruments ? { telemetry: new ModelTelemetry(instruments) } : {}),
    }),
    mcp,
    instruments,
    config: {
      idleTimeoutMs: config.idleTimeoutMs,
      credentials: Object.fromEntries(Object.entries(config.tenants).map(([tenant, t]) => [tenant, t.credentials])),
      retention: config.retention,
    },
  });
}

export interface RunnerOptions {
  /** A parsed config; otherwise it is loaded from SWITCHBOARD_CONFIG + env + `overrides`. */
  config?: Config;
  overrides?: ConfigInput;
  configFile?: string;
  examplesDir?: string;
  /** Close gracefully on SIGTERM/SIGINT (the CLI sets it; tests do not). */
  handleSignals?: boolean;
  /** Where the runner logs; otherwise pino to stderr at the config's level. */
  log?: Logger;
}

export interface Runner {
  url: string;
  port: number;
  config: Config;
  store: Store;
  sessions: Sessions;
  metrics: Metrics;
  http: HttpServer;
  close(): Promise<void>;
}

export async function startRunner(options: RunnerOptions = {}): Promise<Runner> {
  const config = options.config ?? loadConfig({ file: options.configFile, overrides: options.overrides });
  const log = options.log ?? createLogger(config);
  setupTracing(process.env, (message) => log.warn(message));
  // The turn instruments are made first: the sessions record into them, /metrics reads them.
  const registry = new Registry();
  const instruments = new Instruments(registry);
  const clustered = config.redisUrl ? await createClusterCore(config, log, instruments) : undefined;
  const core: Core =
    clustered ??
    createCore(
      config,
      log,
      instruments,
      config.databaseUrl ? await PostgresStore.open({ url: config.databaseUrl }) : undefined,
    );
  const cluster = clustered?.cluster;
  const { store, sessions } = core;
  const metrics = new Metrics(sessions, registry);
  const auth = createAuth(config);
  const onError = (err: unknown) => log.error({ err }, 'request failed');
  const mcp = mcpEndpoint({ config, store, sessions, log: onError });
  const app = createHttpApp({
    config,
    auth,
    graphs: store,
    erasure: store,
    sessions,
    metrics,
    mcp,
    examplesDir: options.examplesDir ?? EXAMPLES_DIR,
    version: VERSION,
    log: onError,
    mcpClients: core.mcpClients,
  });
  const http = createServer(cluster ? withClusterApi(app, cluster, requireCaller(auth)) : app);
  const socket = attachSocketServer(http, {
    config,
    auth,
    sessions,
    metrics,
    log: onError,
    warn: (fields, message) => log.warn(fields, message),
    ...(cluster ? { adapter: cluster.socketAdapter(), externalRoomEvents: true } : {}),
  });
  if (cluster) {
    cluster.registerMetrics(metrics.registry);
    cluster.emitWith((tenant, sessionId, event, payload) => {
      metrics.countDelivered(event, payload);
      socket.toRooms.push(roomFor(tenant, sessionId, event, payload), event, payload);
    });
  }

  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(config.port, config.host, () => {
      http.off('error', fail);
      ok();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  cluster?.advertise(url);
  void core.resumeInterrupted?.().then(
    (resumed) => resumed && log.info({ resumed }, 'resumed the turns the last run left open'),
    (err) => log.error({ err }, 'could not resume the turns the last run left open'),
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await socket.close();
      await mcp.close();
      await new Promise<void>((ok) => socket.io.close(() => ok()));
      http.closeAllConnections();
      metrics.close();
      await core.close();
    })());

  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'shutting down: checkpointing sessions');
      close().then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  log.info(
    {
      url,
      auth: auth.noAuth ? 'none (loopback only)' : 'token',
      store: config.databaseUrl || config.redisUrl ? storeName(config) : resolve(config.dataDir),
      ...(cluster ? { process: cluster.node.id } : {}),
    },
    'switchboard runner listening',
  );
  return { url, port, config, store, sessions, metrics, http, close };
}

/** Which backend holds the durable data, as metrics and logs name it. */
function storeName(config: Config): string {
  return config.databaseUrl ? 'postgres' : config.redisUrl ? 'redis' : 'lowdb';
}

/** GET /api/cluster (processes and their load) in front of the app, behind the same token check. */
function withClusterApi(app: express.Express, cluster: ClusterMember, auth: express.RequestHandler): express.Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.use('/api/cluster', auth, cluster.router());
  outer.use(app);
  return outer;
}
