import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pino, type Logger } from 'pino';
import { joinCluster, type ClusterMember } from './cluster/join.ts';
import { loadGraph } from './agents/load-graph.ts';
import { LOCAL_TENANT, loadConfig, type Config, type ConfigInput } from './config.ts';
import { ModelRegistry } from './models/registry.ts';
import { SingleThreadedAgentRuntime } from './runtime/index.ts';
import { createAuth, requireCaller } from './server/auth.ts';
import { createHttpApp } from './server/http-app.ts';
import { mcpEndpoint } from './server/mcp/mcp-endpoint.ts';
import { Metrics } from './server/metrics.ts';
import { attachSocketServer, roomFor } from './server/socket.ts';
import { SessionManager } from './sessions/session-manager.ts';
import type { Sessions } from './sessions/types.ts';
import { LowdbStore } from './store/lowdb-store.ts';
import type { Store } from './store/types.ts';

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
  /** Checkpoints every session, then closes the store. */
  close(): Promise<void>;
  /** Restarts the turns the last process left running; a cluster does this by taking sessions over instead. */
  resumeInterrupted?(): Promise<number>;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination(2));
}

/**
 * Store and sessions on the embedded store, without any network: what `switchboard run` and a
 * single `serve` process use (a process with Redis goes through createClusterCore instead).
 */
export function createCore(config: Config, log: Logger = createLogger(config)): Core {
  const store = new LowdbStore(resolve(config.dataDir), { onError: (err) => log.error({ err }, 'the embedded store could not checkpoint or replay a session (a failed checkpoint keeps the writes in the journal and retries)') });
  const sessions = createSessionManager(config, store, log);
  return {
    config,
    store,
    sessions,
    log,
    async close() {
      await sessions.shutdown();
      await store.close();
    },
    resumeInterrupted: () => sessions.resumeInterrupted([...new Set([LOCAL_TENANT, ...Object.keys(config.tenants)])]),
  };
}

/**
 * Cluster mode (`serve` with Redis): this process joins the others on Redis; its session manager
 * runs behind the cluster layer, which sends each session's work to the process holding its lease.
 */
async function createClusterCore(config: Config, log: Logger): Promise<Core & { cluster: ClusterMember }> {
  const cluster = await joinCluster({ redisUrl: config.redisUrl!, prefix: config.redisPrefix, makeSessions: (store) => createSessionManager(config, store, log) });
  return {
    config,
    store: cluster.store,
    sessions: cluster.sessions,
    log,
    cluster,
    // Graceful leave: checkpoint, hand every session to a peer, then disconnect.
    close: () => cluster.sessions.shutdown(),
  };
}

function createSessionManager(config: Config, store: Store, log: Logger): SessionManager {
  const runtime = new SingleThreadedAgentRuntime();
  return new SessionManager({
    store,
    runtime,
    onSaveError: (err, { tenant, id, code }) => log.error({ err, tenant, sessionId: id, code }, 'could not save a session after its turn; the next save retries'),
    loadGraph,
    models: new ModelRegistry(),
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
  const clustered = config.redisUrl ? await createClusterCore(config, log) : undefined;
  const core: Core = clustered ?? createCore(config, log);
  const cluster = clustered?.cluster;
  const { store, sessions } = core;
  const metrics = new Metrics(sessions);
  const auth = createAuth(config);
  const onError = (err: unknown) => log.error({ err }, 'request failed');
  const mcp = mcpEndpoint({ config, store, sessions, log: onError });
  const app = createHttpApp({ config, auth, store, sessions, metrics, mcp, examplesDir: options.examplesDir ?? EXAMPLES_DIR, version: VERSION, log: onError });
  const http = createServer(cluster ? withClusterApi(app, cluster, requireCaller(auth)) : app);
  const socket = attachSocketServer(http, { config, auth, sessions, metrics, log: onError, warn: (fields, message) => log.warn(fields, message), ...(cluster ? { adapter: cluster.socketAdapter(), externalRoomEvents: true } : {}) });
  if (cluster) {
    cluster.registerMetrics(metrics.registry);
    cluster.emitWith((tenant, sessionId, event, payload) => {
      if (event === 'message') metrics.messages.inc();
      else if (event === 'turn_end') metrics.turns.inc({ reason: (payload as { reason: string }).reason });
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
  log.info({ url, auth: auth.noAuth ? 'none (loopback only)' : 'token', store: config.redisUrl ? 'redis' : resolve(config.dataDir), ...(cluster ? { process: cluster.node.id } : {}) }, 'switchboard runner listening');
  return { url, port, config, store, sessions, metrics, http, close };
}

/** GET /api/cluster (processes and their load) in front of the app, behind the same token check. */
function withClusterApi(app: express.Express, cluster: ClusterMember, auth: express.RequestHandler): express.Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.use('/api/cluster', auth, cluster.router());
  outer.use(app);
  return outer;
}
