import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { Config } from '../config.ts';

/** Whether a peer may tell the client's address (proxy-addr's trust function; Express takes it as `trust proxy`). */
export type Trust = (address: string, hop: number) => boolean;

/**
 * The trust function for `config.trustProxy`. False: nobody is trusted, and every client behind
 * one proxy shares the proxy's address (and its per-address budget).
 */
export function trustOf(trustProxy: Config['trustProxy']): Trust {
  if (trustProxy === false) return () => false;
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return proxyaddr.compile(trustProxy); // the addresses were checked with the config
}

/** The client's address: the TCP peer, or what the trusted proxies in front of it forwarded. */
export function clientAddress(req: IncomingMessage, trust: Trust): string {
  return proxyaddr(req as Parameters<typeof proxyaddr>[0], trust);
}
