import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, parseConfig } from '../config.ts';
import { clientAddress, trustOf } from './client-address.ts';
import { SocketLimits } from './socket-limits.ts';
import { SocketRate } from './socket-rate.ts';

const limits = (patch: Record<string, unknown>) => ConfigSchema.parse({ limits: patch }).limits;

describe('SocketLimits', () => {
  it("shares one event budget among a tenant's sockets, and a new socket gets no fresh one", () => {
    const shared = new SocketLimits(limits({ socketTenant: { perSecond: 10, burst: 4 } }));
    const sockets = [0, 1, 2].map(
      () => new SocketRate({ perSecond: 100, burst: 100 }, 0, (now) => shared.takeEvent('acme', now)),
    );
    expect([0, 1, 2, 3].map((i) => sockets[i % 3]!.take(0))).toEqual([0, 0, 0, 0]);
    expect(sockets[0]!.take(0)).toBe(100);
    expect(sockets[0]!.refusedBy).toBe('tenant');
    const reconnected = new SocketRate({ perSecond: 100, burst: 100 }, 0, (now) => shared.takeEvent('acme', now));
    expect(reconnected.take(0)).toBe(100);
    // another tenant's sockets have their own budget
    expect(new SocketRate({ perSecond: 100, burst: 100 }, 0, (now) => shared.takeEvent('globex', now)).take(0)).toBe(0);
    // the budget refills with time
    expect(reconnected.take(100)).toBe(0);
  });

  it('refuses a socket past its own rate before touching the shared budget', () => {
    const shared = new SocketLimits(limits({ socketTenant: { perSecond: 10, burst: 3 } }));
    const greedy = new SocketRate({ perSecond: 1, burst: 1 }, 0, (now) => shared.takeEvent('acme', now));
    expect(greedy.take(0)).toBe(0);
    expect(greedy.take(0)).toBe(1000);
    expect(greedy.refusedBy).toBe('socket');
    const other = new SocketRate({ perSecond: 1, burst: 5 }, 0, (now) => shared.takeEvent('acme', now));
    expect([other.take(0), other.take(0), other.take(0)]).toEqual([0, 0, 100]);
  });

  it('counts handshakes per tenant with a valid token, and per address without one', () => {
    const shared = new SocketLimits(
      limits({ handshakeTenant: { perSecond: 1, burst: 2 }, handshakeAddress: { perSecond: 0.5, burst: 1 } }),
    );
    expect(shared.takeHandshake('acme', '10.0.0.1', 0)).toBeUndefined();
    expect(shared.takeHandshake('acme', '10.0.0.2', 0)).toBeUndefined();
    expect(shared.takeHandshake('acme', '10.0.0.3', 0)).toEqual({ retryAfterMs: 1000, scope: 'tenant' });
    expect(shared.takeHandshake('globex', '10.0.0.1', 0)).toBeUndefined();
    // the tenants' handshakes did not spend the addresses' budget
    expect(shared.takeHandshake(undefined, '10.0.0.1', 0)).toBeUndefined();
    expect(shared.takeHandshake(undefined, '10.0.0.1', 0)).toEqual({ retryAfterMs: 2000, scope: 'address' });
    expect(shared.takeHandshake(undefined, '10.0.0.2', 0)).toBeUndefined();
    expect(shared.takeHandshake('acme', '10.0.0.1', 1000)).toBeUndefined();
  });
});

describe('trustProxy', () => {
  /** The address the runner sees for a loopback request that carries `forwarded` in X-Forwarded-For. */
  async function seen(trustProxy: unknown, forwarded: string): Promise<string> {
    const trust = trustOf(parseConfig({ trustProxy }).trustProxy);
    const server = createServer((req: IncomingMessage, res) => res.end(clientAddress(req, trust)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      return await new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port, headers: { 'x-forwarded-for': forwarded } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c)).on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
    } finally {
      server.close();
    }
  }

  it('takes the TCP peer unless the peer is a trusted proxy', async () => {
    expect(await seen(false, '203.0.113.7')).toBe('127.0.0.1');
    expect(await seen(['loopback'], '203.0.113.7')).toBe('203.0.113.7');
    expect(await seen(['10.0.0.0/8'], '203.0.113.7')).toBe('127.0.0.1');
    // one proxy in front: a client cannot pick its own address by sending the header itself
    expect(await seen(1, '198.51.100.1, 203.0.113.7')).toBe('203.0.113.7');
  });

  it('names a trustProxy entry that is not an address', () => {
    expect(() => parseConfig({ trustProxy: ['10.0.0.0/8', 'proxy.example'] })).toThrow(
      /trustProxy\.1: must be an IP address, a subnet/,
    );
    expect(() => parseConfig({ trustProxy: true })).toThrow(/trustProxy/);
  });
});
