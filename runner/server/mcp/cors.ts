import type { RequestHandler } from 'express';

/**
 * CORS for browser MCP clients on an origin the origin guard let through (it runs first): the
 * preflight is answered before the token check, since browsers send it without credentials, and
 * the session id header is exposed so the page can send it back.
 */
export const mcpCors: RequestHandler = (req, res, next) => {
  const origin = req.headers.origin;
  if (origin === undefined) return next();
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Expose-Headers', 'Mcp-Session-Id');
  if (req.method !== 'OPTIONS') return next();
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE');
  res.setHeader(
    'Access-Control-Allow-Headers',
    'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID',
  );
  res.setHeader('Access-Control-Max-Age', '600');
  res.status(204).end();
};
