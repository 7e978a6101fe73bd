import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type TestRunner } from '../integration/helpers.ts';
import { hostileCases } from './harness/cases.ts';
import { echoGraph } from './fixtures/graphs.ts';
import { ACME, refusalAt, startRestTarget, type Request } from './helpers/hostile-rest.ts';

/**
 * Malformed HTTP requests against a real runner on loopback: unknown routes and methods, bodies
 * of the wrong type, size or depth, malformed ids and queries. Every refusal must be a JSON
 * `{ error: { code, message } }` with the right status, and the runner must keep serving.
 */
let runner: TestRunner;
let acmeSession: string;
beforeAll(async () => ({ runner, acmeSession } = await startRestTarget()));
afterAll(() => runner?.stop());
const refusal = (request: Request) => refusalAt(runner.url, request);

const bigBody = () => JSON.stringify({ graph: { ...echoGraph('big'), description: 'x'.repeat(200_000) } });
const deepBody = () =>
  JSON.stringify({ graph: { ...echoGraph('deep'), meta: { tags: 'DEEP' } } }).replace(
    '"DEEP"',
    '['.repeat(10_000) + ']'.repeat(10_000),
  );
const MALFORMED_SESSION = 'malformed session id: must be a UUID';

describe('hostile REST requests', () => {
  hostileCases<Request>(
    [
      // ---- routes and methods
      {
        name: 'unknown route under /api',
        input: { method: 'GET', path: '/api/nope' },
        expect: { status: 404, code: 'not_found', message: 'no route for GET /api/nope' },
      },
      {
        name: 'unknown route outside /api',
        input: { method: 'GET', path: '/wp-admin/setup.php', token: null },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: 'DELETE on /api/health',
        input: { method: 'DELETE', path: '/api/health' },
        expect: { status: 405, code: 'method_not_allowed', allow: 'GET' },
      },
      {
        name: 'PATCH on /api/graphs',
        input: { method: 'PATCH', path: '/api/graphs', body: {} },
        expect: { status: 405, code: 'method_not_allowed', allow: 'GET, POST' },
      },
      {
        name: "GET on a session's messages",
        input: { method: 'GET', path: () => `/api/sessions/${acmeSession}/messages` },
        expect: { status: 405, code: 'method_not_allowed', allow: 'POST' },
      },
      // ---- content types and bodies
      {
        name: 'text/plain body',
        input: { method: 'POST', path: '/api/graphs', raw: '{"graph":{}}', headers: { 'content-type': 'text/plain' } },
        expect: { status: 415, code: 'unsupported_media_type' },
      },
      {
        name: 'form-encoded body',
        input: {
          method: 'POST',
          path: '/api/sessions',
          raw: 'graphId=echo',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
        expect: { status: 415, code: 'unsupported_media_type' },
      },
      {
        name: 'XML body',
        input: {
          method: 'POST',
          path: '/api/sessions',
          raw: '<graphId>echo</graphId>',
          headers: { 'content-type': 'application/xml' },
        },
        expect: { status: 415, code: 'unsupported_media_type' },
      },
      {
        name: 'invalid JSON body',
        input: { method: 'POST', path: '/api/graphs', raw: '{"graph": {' },
        expect: { status: 400, code: 'invalid_json', message: /^request body is not valid JSON/ },
      },
      {
        name: 'a bare JSON string body',
        input: { method: 'POST', path: '/api/graphs', raw: '"graph"' },
        expect: { status: 400, code: 'invalid_json' },
      },
      {
        name: 'body over the size limit',
        input: () => ({ method: 'POST', path: '/api/graphs', raw: bigBody() }),
        expect: { status: 413, code: 'payload_too_large', message: 'request body is larger than 100000 bytes' },
      },
      {
        name: '10,000-deep graph body',
        input: () => ({ method: 'POST', path: '/api/graphs', raw: deepBody() }),
        expect: {
          status: 400,
          code: 'invalid',
          details: { problems: [{ code: 'too_deep', path: '/meta/tags' + '/0'.repeat(62) }] },
        },
      },
      {
        name: 'graph with a __proto__ key',
        input: {
          method: 'POST',
          path: '/api/graphs',
          raw: JSON.stringify({ graph: echoGraph('proto') }).replace('"name":', '"__proto__":{"admin":true},"name":'),
        },
        expect: {
          status: 400,
          code: 'invalid',
          details: { problems: [{ code: 'forbidden_key', path: '/__proto__' }] },
        },
      },
      {
        name: 'unknown field in a session body',
        input: { method: 'POST', path: '/api/sessions', body: { graphId: 'echo', admin: true } },
        expect: { status: 400, code: 'invalid' },
      },
      {
        name: 'empty message',
        input: { method: 'POST', path: () => `/api/sessions/${acmeSession}/messages`, body: { content: '' } },
        expect: { status: 400, code: 'invalid' },
      },
      {
        name: 'message over 32,000 characters',
        input: {
          method: 'POST',
          path: () => `/api/sessions/${acmeSession}/messages`,
          body: { content: 'x'.repeat(32_001) },
        },
        expect: { status: 400, code: 'invalid' },
      },
      {
        name: 'message id with a path',
        input: {
          method: 'POST',
          path: () => `/api/sessions/${acmeSession}/messages`,
          body: { content: 'hi', messageId: '../../x' },
        },
        expect: { status: 400, code: 'invalid' },
      },
      {
        name: 'invalid graph saved without draft',
        input: { method: 'POST', path: '/api/graphs', body: { graph: { ...echoGraph('broken'), entry: 'nowhere' } } },
        expect: { status: 400, code: 'invalid', message: /not valid/ },
      },
      {
        name: 'duplicate graph',
        input: { method: 'POST', path: '/api/graphs', body: { graph: echoGraph('echo') } },
        expect: { status: 409, code: 'conflict' },
      },
      {
        name: 'stale baseVersion on update',
        input: { method: 'PUT', path: '/api/graphs/echo', body: { graph: echoGraph('echo'), baseVersion: 7 } },
        expect: { status: 409, code: 'conflict', details: { currentVersion: 1, baseVersion: 7 } },
      },
      // ---- malformed ids and queries
      {
        name: 'graph id "..%2F..%2Fetc"',
        input: { method: 'GET', path: '/api/graphs/..%2F..%2Fetc' },
        expect: { status: 400, code: 'invalid', message: /^malformed graph id/ },
      },
      {
        name: 'graph id with a dot',
        input: { method: 'GET', path: '/api/graphs/a.b' },
        expect: { status: 400, code: 'invalid', message: /^malformed graph id/ },
      },
      {
        name: 'graph id ".." in the body',
        input: { method: 'POST', path: '/api/graphs', body: { graph: echoGraph('..') } },
        expect: { status: 400, code: 'invalid', message: 'graph.id is missing or malformed' },
      },
      {
        name: 'session id not a UUID',
        input: { method: 'GET', path: '/api/sessions/123' },
        expect: { status: 400, code: 'invalid', message: MALFORMED_SESSION },
      },
      {
        name: 'session id "..%2F.."',
        input: { method: 'GET', path: '/api/sessions/..%2F..%2Ftenants/transcript' },
        expect: { status: 400, code: 'invalid', message: MALFORMED_SESSION },
      },
      {
        name: 'session id with a NUL',
        input: { method: 'DELETE', path: '/api/sessions/%00' },
        expect: { status: 400, code: 'invalid', message: MALFORMED_SESSION },
      },
      {
        name: 'version=abc',
        input: { method: 'GET', path: '/api/graphs/echo?version=abc' },
        expect: { status: 400, code: 'invalid', message: 'query parameter "version" must be a positive integer' },
      },
      {
        name: 'version=0',
        input: { method: 'GET', path: '/api/graphs/echo?version=0' },
        expect: { status: 400, code: 'invalid', message: 'query parameter "version" must be a positive integer' },
      },
      {
        name: 'repeated query parameter',
        input: { method: 'GET', path: '/api/sessions?graphId=a&graphId=b' },
        expect: { status: 400, code: 'invalid', message: /query parameter "graphId" must be one string/ },
      },
      {
        name: 'unknown state filter',
        input: { method: 'GET', path: '/api/sessions?state=hacked' },
        expect: { status: 400, code: 'invalid' },
      },
      {
        name: 'a version that does not exist',
        input: { method: 'GET', path: '/api/graphs/echo?version=99' },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: 'a session that does not exist',
        input: { method: 'GET', path: () => `/api/sessions/${randomUUID()}` },
        expect: { status: 404, code: 'not_found' },
      },
    ],
    refusal,
  );

  it('the runner still serves a normal turn afterwards', async () => {
    const res = await api(runner.url, 'POST', `/api/sessions/${acmeSession}/messages`, {
      token: ACME,
      body: { content: 'still there?', wait: true },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.messages.map((m: { content: string }) => m.content)).toContain('echo: still there?');
  });
});
