import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { KeyedBuckets } from './token-bucket.ts';

/** Which budget refused: the socket's own, or what its tenant's sockets share. */
export type RateScope = 'socket' | 'tenant';

/** A handshake turned away: how long to wait, and whose budget is spent. */
export interface HandshakeRefusal {
  retryAfterMs: number;
  scope: 'tenant' | 'address';
}

/**
 * The Socket.IO budgets shared across connections, so a client cannot get a fresh one by
 * reconnecting: events per tenant summed over all of its sockets, handshakes per tenant, and
 * handshakes without a valid token per client address.
 */
export class SocketLimits {
  private readonly events: KeyedBuckets;
  private readonly tenantHandshakes: KeyedBuckets;
  private readonly addressHandshakes: KeyedBuckets;

  constructor(limits: Config['limits']) {
    this.events = new KeyedBuckets(limits.socketTenant);
    this.tenantHandshakes = new KeyedBuckets(limits.handshakeTenant);
    this.addressHandshakes = new KeyedBuckets(limits.handshakeAddress);
  }

  /** 0 when the tenant's sockets may take one more event, else the milliseconds until they could. */
  takeEvent(tenant: string, now = Date.now()): number {
    return this.events.take(tenant, now);
  }

  /** Counts a handshake: the tenant's when its token is valid, else the address's. */
  takeHandshake(tenant: string | undefined, address: string, now = Date.now()): HandshakeRefusal | undefined {
    const wait =
      tenant === undefined ? this.addressHandshakes.take(address, now) : this.tenantHandshakes.take(tenant, now);
    return wait === 0 ? undefined : { retryAfterMs: wait, scope: tenant === undefined ? 'address' : 'tenant' };
  }
}

/**
 * A refused handshake is answered this long after it came (its retryAfterMs, at most this much),
 * so a client that retries at once cannot make the runner refuse it faster than its budget
 * refills: each refusal still costs a connection, an upgrade and a parse.
 */
const MAX_REFUSAL_DELAY_MS = 1000;

export const refusalDelay = (refusal: HandshakeRefusal) => Math.min(refusal.retryAfterMs, MAX_REFUSAL_DELAY_MS);

/** A refused handshake as the client's `connect_error`: `data` is the API error. */
export function handshakeRefused(
  refusal: HandshakeRefusal,
): Error & { data: { code: string; message: string; details: HandshakeRefusal } } {
  const whose = refusal.scope === 'tenant' ? 'for this tenant' : 'from this address without a valid token';
  const message = `rate_limited: too many connections ${whose}; retry in ${refusal.retryAfterMs} ms`;
  return Object.assign(new Error(message), { data: { code: 'rate_limited', message, details: refusal } });
}

/** An event refused by a socket's rate (see SocketRate). */
export const eventRefused = (retryAfterMs: number, scope: RateScope) =>
  new AppError(
    'rate_limited',
    429,
    `too many events from this ${scope === 'tenant' ? "tenant's sockets" : 'socket'}; retry in ${retryAfterMs} ms`,
    { retryAfterMs, scope },
  );
