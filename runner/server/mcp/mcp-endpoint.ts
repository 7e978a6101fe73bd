import { randomBytes } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Config } from '../../config.ts';
import type { Sessions } from '../../sessions/types.ts';
import type { GraphStore } from '../../store/types.ts';
import { callerOf } from '../auth.ts';
import { graphServer } from './graph-server.ts';
import { JSON_RPC, sendJsonRpcError } from './json-rpc-error.ts';
import { McpSessions, type McpSession } from './mcp-sessions.ts';

/**
 * `/mcp`: the Streamable HTTP MCP endpoint serving every graph of the caller's tenant as a tool.
 * Mounted behind the origin guard and the bearer-token check; this router finds the caller's MCP
 * session (or starts one on `initialize`) and hands the request to its SDK transport.
 */
export interface McpEndpoint {
  router: Router;
  /** Ends every MCP session (the runner is closing). */
  close(): Promise<void>;
}

export const SESSION_ID_HEADER = 'mcp-session-id';

/** 256 random bits: an MCP session id cannot be guessed, and a leaked one only works with its own token. */
const newSessionId = () => randomBytes(32).toString('base64url');

export function mcpEndpoint(deps: {
  config: Config;
  store: GraphStore;
  sessions: Sessions;
  log: (err: unknown) => void;
}): McpEndpoint {
  const { config } = deps;
  const registry = new McpSessions({ perTenant: config.mcp.maxSessionsPerTenant, idleMs: config.idleTimeoutMs });
  const toolDeps = { store: deps.store, sessions: deps.sessions };
  const router = Router();

  /** The caller's session named by the request's header; answers 400/404 itself when there is none. */
  const existing = (req: Request, res: Response): McpSession | undefined => {
    const id = req.header(SESSION_ID_HEADER);
    if (id === undefined) {
      sendJsonRpcError(
        res,
        400,
        JSON_RPC.invalidRequest,
        `missing ${SESSION_ID_HEADER} header: start a session with "initialize" first`,
      );
      return undefined;
    }
    const session = registry.find(id, callerOf(req));
    if (!session)
      sendJsonRpcError(
        res,
        404,
        JSON_RPC.sessionNotFound,
        'MCP session not found (expired, closed, or opened with another token): initialize a new one',
      );
    return session;
  };

  const start = async (req: Request, res: Response) => {
    const caller = callerOf(req);
    if (!(await registry.roomFor(caller.tenant))) {
      sendJsonRpcError(
        res,
        429,
        JSON_RPC.refused,
        `too many open MCP sessions for this tenant (limit ${config.mcp.maxSessionsPerTenant}); close one with DELETE /mcp`,
      );
      return;
    }
    let session: McpSession | undefined;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: newSessionId,
      maxRequestBodySize: config.limits.bodyBytes,
      onsessioninitialized: (id) => {
        session = { id, caller, transport, conversations: new Map(), lastSeen: Date.now(), calls: 0 };
        registry.add(session);
      },
    });
    transport.onclose = () => {
      if (session) registry.remove(session.id);
    };
    await graphServer(toolDeps, () => session!).connect(transport);
    await transport.handleRequest(req, res, req.body);
  };

  router.use(express.json({ limit: config.limits.bodyBytes, strict: true, type: 'application/json' }));
  router
    .route('/')
    .post(async (req, res) => {
      if (req.header(SESSION_ID_HEADER) === undefined && isInitializeRequest(req.body)) return start(req, res);
      const session = existing(req, res);
      if (session) await session.transport.handleRequest(req, res, req.body);
    })
    .get(async (req, res) => {
      const session = existing(req, res);
      if (session) await session.transport.handleRequest(req, res);
    })
    .delete(async (req, res) => {
      const session = existing(req, res);
      if (session) await session.transport.handleRequest(req, res);
    })
    .all((_req, res) => {
      res.setHeader('Allow', 'GET, POST, DELETE');
      sendJsonRpcError(
        res,
        405,
        JSON_RPC.refused,
        'use POST for messages, GET for the event stream, DELETE to end the session',
      );
    });
  router.use(jsonRpcErrors(deps.log));

  return { router, close: () => registry.closeAll() };
}

/** Body-parser and handler failures answered as JSON-RPC errors, like the transport's own. */
function jsonRpcErrors(log: (err: unknown) => void): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; limit?: number; message?: string };
    if (e?.type === 'entity.parse.failed')
      return sendJsonRpcError(res, 400, JSON_RPC.parseError, `request body is not valid JSON: ${e.message}`);
    if (e?.type === 'entity.too.large')
      return sendJsonRpcError(res, 413, JSON_RPC.invalidRequest, `request body is larger than ${e.limit} bytes`);
    if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
      return sendJsonRpcError(res, 415, JSON_RPC.invalidRequest, e.message ?? 'unsupported body encoding');
    log(err);
    sendJsonRpcError(res, 500, -32603, 'internal error');
  };
}
