import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Sessions } from '../sessions/types.ts';
import type { GraphStore, Store } from '../store/types.ts';
import { requireCaller, type Auth } from './auth.ts';
import { designerRouter } from './designer-static.ts';
import { errorHandler, methodNotAllowed, notFoundHandler } from './http-errors.ts';
import { mcpCors } from './mcp/cors.ts';
import type { McpEndpoint } from './mcp/mcp-endpoint.ts';
import { originGuard } from './mcp/origin-guard.ts';
import type { Metrics } from './metrics.ts';
import { openaiRouter } from './openai-endpoint.ts';
import { trustOf } from './client-address.ts';
import { rateLimit } from './rate-limit.ts';
import { examplesRouter } from './routes/examples.ts';
import { graphsRouter } from './routes/graphs.ts';
import { mcpToolsRouter } from './routes/mcp-tools.ts';
import type { McpPool } from '../mcp/pool.ts';
import { modelsRouter } from './routes/models.ts';
import { sessionsRouter } from './routes/sessions.ts';
import { usersRouter } from './routes/users.ts';
import { loopWorks } from '../telemetry/loop-work.ts';

export interface HttpDeps {
  config: Config;
  auth: Auth;
  graphs: GraphStore;
  /** The backend, for erasing what a user left across its stores. */
  erasure: Pick<Store, 'eraseUser'>;
  sessions: Sessions;
  metrics: Metrics;
  /** Every graph as an MCP tool, at /mcp. */
  mcp: McpEndpoint;
  examplesDir: string;
  version: string;
  log: (err: unknown) => void;
  /** The shared MCP clients; the designer lists a server's tools through them. */
  mcpClients?: McpPool;
}

/** Requests that carry a body must say it is JSON: anything else is refused before parsing. */
const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    next(
      new AppError('unsupported_media_type', 415, 'request bodies must be JSON (Content-Type: application/json)', {
        contentType: req.headers['content-type'] ?? null,
      }),
    );
    return;
  }
  next();
};

export function createHttpApp(deps: HttpDeps): Express {
  const { config, auth, graphs, sessions, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', trustOf(config.trustProxy));
  // No upgrade-insecure-requests: the runner is often reached over plain http on a LAN or in a
  // container, where that directive would send the designer's asset requests to https.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use((req, res, next) => {
    loopWorks();
    res.on('finish', () => metrics.httpRequests.inc({ method: req.method, status: String(res.statusCode) }));
    next();
  });

  app
    .route('/api/health')
    .get((_req, res) => {
      res.json({
        ok: true,
        version: deps.version,
        uptimeMs: Math.round(process.uptime() * 1000),
        auth: auth.noAuth ? 'none' : 'token',
        stats: sessions.stats(),
      });
    })
    .all(methodNotAllowed(['GET']));
  app
    .route('/metrics')
    .get(async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    })
    .all(methodNotAllowed(['GET']));

  const body = express.json({ limit: config.limits.bodyBytes, strict: true, type: 'application/json' });
  const guarded = [requireCaller(auth), rateLimit(config.limits.http), requireJson, body];
  app.use('/api/graphs', ...guarded, graphsRouter(graphs));
  app.use(
    '/api/sessions',
    ...guarded,
    sessionsRouter(sessions, () => metrics.userMessages.inc()),
  );
  app.use('/api/users', ...guarded, usersRouter(sessions, deps.erasure));
  app.use('/api/examples', ...guarded, examplesRouter(deps.examplesDir));
  if (deps.mcpClients) app.use('/api/mcp', ...guarded, mcpToolsRouter(deps.mcpClients, config));
  app.use('/api/models', ...guarded, modelsRouter(config, process.env.OPENAI_API_KEY));
  app.use('/v1', ...guarded, openaiRouter(graphs, sessions, config.tokenWindowMs));
  // The origin check comes first: a page on a foreign origin is refused whatever token it sends.
  app.use('/mcp', originGuard(config), mcpCors, requireCaller(auth), rateLimit(config.limits.http), deps.mcp.router);
  app.use('/api', notFoundHandler);

  app.use(designerRouter(config.designerDir));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
