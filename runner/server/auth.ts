import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Config } from '../config.ts';
import { LOCAL_TENANT } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Caller } from '../sessions/types.ts';

/**
 * Maps API tokens to callers. Tokens are indexed by their SHA-256 so a lookup is one map access
 * whose timing does not depend on how much of a token matched.
 */
export interface Auth {
  /** The caller a bearer token stands for; undefined when it stands for nobody. */
  callerFor(token: string | undefined): Caller | undefined;
  readonly noAuth: boolean;
}

export function createAuth(config: Config): Auth {
  const index = new Map<string, { caller: Caller; expiresAt: number }>();
  for (const t of config.tokens) {
    const caller = { tenant: t.tenant, ...(t.user ? { user: t.user } : {}) };
    index.set(digest(t.token), { caller, expiresAt: t.expiresAt ? Date.parse(t.expiresAt) : Infinity });
  }
  return {
    noAuth: config.noAuth,
    callerFor(token) {
      if (config.noAuth) return { tenant: LOCAL_TENANT };
      const entry = token ? index.get(digest(token)) : undefined;
      // Checked on every request and socket handshake; sockets already connected keep their session.
      return entry && Date.now() < entry.expiresAt ? entry.caller : undefined;
    },
  };
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

export const unauthorized = () =>
  new AppError('unauthorized', 401, 'missing or unknown API token: send "Authorization: Bearer <token>"');

/** Sets req.caller from the bearer token, or answers 401. */
export function requireCaller(auth: Auth): RequestHandler {
  return (req, res, next) => {
    const caller = auth.callerFor(bearerToken(req.headers.authorization));
    if (!caller) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(unauthorized());
      return;
    }
    req.caller = caller;
    next();
  };
}

/** The caller set by requireCaller (routes are mounted behind it). */
export function callerOf(req: { caller?: Caller }): Caller {
  if (!req.caller) throw unauthorized();
  return req.caller;
}
