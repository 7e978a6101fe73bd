import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from './index.ts';
import { isHostAllowed } from './http-get.ts';

let server: Server;
let base: string;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hello') return res.end('hello from loopback');
    if (req.url === '/big') return res.end('x'.repeat(5000));
    if (req.url === '/missing') return ((res.statusCode = 404), res.end('nope'));
    if (req.url === '/away') return res.writeHead(302, { location: 'http://example.invalid/secret' }).end();
    if (req.url === '/hop') return res.writeHead(302, { location: '/hello' }).end();
    if (req.url === '/slow') return; // never answers
    res.end('?');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('http_get', () => {
  it('fetches from an allowed loopback host', async () => {
    expect(await runTool('http_get', { url: `${base}/hello` }, { allowedHosts: ['127.0.0.1'] })).toEqual({
      ok: true,
      output: 'hello from loopback',
    });
    expect((await runTool('http_get', { url: `${base}/hello` }, { allowedHosts: [`127.0.0.1:${port}`] })).output).toBe(
      'hello from loopback',
    );
  });

  it('refuses a host the graph does not allow, before any request', async () => {
    const r = await runTool('http_get', { url: `${base}/hello` }, { allowedHosts: ['api.example.com'] });
    expect(r).toEqual({
      ok: false,
      output: `Error: http_get: host "127.0.0.1:${port}" is not allowed by this graph (limits.allowedHosts: api.example.com)`,
    });
    expect((await runTool('http_get', { url: `${base}/hello` }, { allowedHosts: [] })).output).toMatch(
      /allowedHosts: none/,
    );
    expect((await runTool('http_get', { url: `${base}/hello` }, { allowedHosts: ['127.0.0.1:1'] })).ok).toBe(false);
  });

  it('refuses other schemes and follows redirects only within the allow-list', async () => {
    expect((await runTool('http_get', { url: 'file:///etc/passwd' }, { allowedHosts: ['127.0.0.1'] })).output).toMatch(
      /only http and https/,
    );
    expect((await runTool('http_get', { url: `${base}/hop` }, { allowedHosts: ['127.0.0.1'] })).output).toBe(
      'hello from loopback',
    );
    expect((await runTool('http_get', { url: `${base}/away` }, { allowedHosts: ['127.0.0.1'] })).output).toMatch(
      /host "example.invalid" is not allowed/,
    );
  });

  it('caps the body, reports HTTP errors and times out', async () => {
    const big = await runTool('http_get', { url: `${base}/big` }, { allowedHosts: ['127.0.0.1'], httpMaxBytes: 100 });
    expect(big.output).toBe(`${'x'.repeat(100)}\n[truncated at 100 bytes]`);
    expect((await runTool('http_get', { url: `${base}/missing` }, { allowedHosts: ['127.0.0.1'] })).output).toBe(
      `Error: http_get: HTTP 404 from 127.0.0.1:${port}: nope`,
    );
    expect(
      (await runTool('http_get', { url: `${base}/slow` }, { allowedHosts: ['127.0.0.1'], httpTimeoutMs: 100 })).output,
    ).toBe(`Error: http_get: no response from 127.0.0.1:${port} within 100 ms`);
  });

  it('matches wildcard and ported entries', () => {
    expect(isHostAllowed(new URL('https://a.b.example.com/x'), ['*.example.com'])).toBe(true);
    expect(isHostAllowed(new URL('https://example.com/x'), ['*.example.com'])).toBe(false);
    expect(isHostAllowed(new URL('https://evilexample.com/x'), ['*.example.com'])).toBe(false);
    expect(isHostAllowed(new URL('https://Example.COM:443/'), ['example.com:443'])).toBe(true);
    expect(isHostAllowed(new URL('http://[::1]:8080/'), ['[::1]:8080'])).toBe(true);
  });
});
