import type { SessionInfo } from '../../schemas/protocol.ts';
import { AppError } from '../errors.ts';
import type { Caller } from './types.ts';

/**
 * Who may see and act on a session. A tenant token (no user) reaches every session of its
 * tenant; a token bound to a user reaches only that user's sessions. Anything else is "not
 * found", so a caller cannot tell another user's session from one that does not exist.
 */
export function canAccess(caller: Caller, info: Pick<SessionInfo, 'tenant' | 'user'>): boolean {
  return info.tenant === caller.tenant && (caller.user === undefined || info.user === caller.user);
}

/**
 * The caller a new session is created for. A tenant token may create one on behalf of a named
 * user; a user token creates its own user's sessions and may not name anyone else.
 */
export function creatorFor(caller: Caller, user: string | undefined): Caller {
  if (user === undefined || user === caller.user) return caller;
  if (caller.user !== undefined) {
    throw new AppError('forbidden', 403, `a token bound to user "${caller.user}" cannot act for user "${user}"`, {
      field: 'user',
    });
  }
  return { ...caller, user };
}

/** Operations over a whole tenant's users (erasure) need a tenant token. */
export function requireTenantToken(caller: Caller, what: string): void {
  if (caller.user !== undefined) {
    throw new AppError('forbidden', 403, `${what} needs a tenant token; this token is bound to user "${caller.user}"`);
  }
}

/**
 * In-flight loads are shared per tenant and id: a foreign caller's load (which finds nothing
 * under its tenant) must never become the answer the owner's own callers wait for.
 */
export const loadKey = (tenant: string, id: string) => `${tenant}\u0000${id}`;
