import type { RequestHandler } from 'express';
import { isLoopback, type Config } from '../../config.ts';
import { JSON_RPC, sendJsonRpcError } from './json-rpc-error.ts';

/**
 * What the MCP specification asks of Streamable HTTP servers against DNS rebinding: a browser
 * page must not reach /mcp from a foreign Origin, and without tokens (the loopback-only mode)
 * neither a foreign Host nor a non-loopback peer may reach it at all.
 */
export function originGuard(config: Config): RequestHandler {
  const allowed = new Set(config.mcp.allowedOrigins);
  return (req, res, next) => {
    if (config.noAuth) {
      if (!isLoopbackPeer(req.socket.remoteAddress))
        return refuse(res, 'the no-auth /mcp endpoint only answers loopback clients');
      const host = hostnameOf(req.headers.host);
      if (!host || !isLoopback(host))
        return refuse(res, `Host "${req.headers.host ?? ''}" is not a loopback name (DNS-rebinding protection)`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.has(origin) && !isLoopbackOrigin(origin)) {
      return refuse(res, `Origin "${origin}" is not allowed; add it to mcp.allowedOrigins in the runner config`);
    }
    next();
  };
}

function refuse(res: Parameters<RequestHandler>[1], message: string): void {
  sendJsonRpcError(res, 403, JSON_RPC.refused, message);
}

function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  return isLoopback(address.startsWith('::ffff:') ? address.slice(7) : address);
}

function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopback(url.hostname);
  } catch {
    return false;
  }
}
