import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError } from '../errors.ts';
import { problemsOf } from './problems.ts';

/** Every HTTP error leaves as `{ error: { code, message, details } }`, whatever threw it. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new AppError('invalid', 400, 'invalid request', { problems: problemsOf(err) });
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  switch (e?.type) {
    case 'entity.parse.failed':
      return new AppError('invalid_json', 400, `request body is not valid JSON: ${e.message}`);
    case 'entity.too.large':
      return new AppError('payload_too_large', 413, `request body is larger than ${e.limit} bytes`, { limit: e.limit });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 415, e.message ?? 'unsupported body encoding');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError('bad_request', e.status, e.message ?? 'bad request');
  }
  return new AppError('internal', 500, 'internal error');
}

export function errorHandler(log: (err: unknown) => void): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const app = toAppError(err);
    if (app.status >= 500) log(err);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(app.status).json({ error: app.toJSON() });
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', 404, `no route for ${req.method} ${req.originalUrl.split('?')[0]}`));
};

/** Answers 405 with an Allow header for a path that exists under other methods. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (req, res, next) => {
    res.setHeader('Allow', allow);
    next(new AppError('method_not_allowed', 405, `${req.method} is not allowed here; use ${allow}`, { allowed }));
  };
}
