import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';
import { KeyedBuckets } from './token-bucket.ts';

export const rateLimited = (retryAfterMs: number) =>
  new AppError('rate_limited', 429, `too many requests; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
    retryAfterMs,
  });

/** Per-tenant token bucket (per address before auth); over the limit → 429 with Retry-After. */
export function rateLimit(rate: { perSecond: number; burst: number }): RequestHandler {
  const buckets = new KeyedBuckets(rate);
  return (req, res, next) => {
    const key = req.caller ? `t:${req.caller.tenant}` : `ip:${req.ip}`;
    const wait = buckets.take(key);
    if (wait === 0) {
      next();
      return;
    }
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(wait / 1000))));
    next(rateLimited(wait));
  };
}
