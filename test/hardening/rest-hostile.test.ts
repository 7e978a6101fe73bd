import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestRunner, type TestRunner } from '../integration/helpers.ts';
import { hostileCases, type ObservedError } from './harness/cases.ts';
import { count } from './harness/tally.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * Hostile HTTP requests against a real runner on loopback, two tenants. Every refusal must be a
 * JSON `{ error: { code, message } }` with the right status, and the runner must keep serving.
 */
const ACME = 'acme-token-0123456789abcdef';
const GLOBEX = 'globex-token-0123456789abcdef';
const EXPIRED = 'acme-expired-0123456789abcdef';
const ACME_ANN = 'acme-ann-token-0123456789abcdef';
const ACME_BOB = 'acme-bob-token-0123456789abcdef';
let runner: TestRunner;
let globexGraph: string;
let globexSession: string;
let acmeSession: string;
let annSession: string;

beforeAll(async () => {
  runner = await startTestRunner({
    tokens: [
      { token: ACME, tenant: 'acme' },
      { token: GLOBEX, tenant: 'globex' },
      { token: EXPIRED, tenant: 'acme', expiresAt: '2020-01-01T00:00:00Z' },
      { token: ACME_ANN, tenant: 'acme', user: 'ann' },
      { token: ACME_BOB, tenant: 'acme', user: 'bob' },
    ],
    limits: { bodyBytes: 100_000 },
  });
  for (const [token, id] of [
    [ACME, 'echo'],
    [GLOBEX, 'secret'],
  ] as const) {
    const created = await api(runner.url, 'POST', '/api/graphs', { token, body: { graph: echoGraph(id) } });
    expect(created.status, created.text).toBe(201);
  }
  globexGraph = 'secret';
  globexSession = (await api(runner.url, 'POST', '/api/sessions', { token: GLOBEX, body: { graphId: globexGraph } }))
    .json.id;
  acmeSession = (await api(runner.url, 'POST', '/api/sessions', { token: ACME, body: { graphId: 'echo' } })).json.id;
  annSession = (await api(runner.url, 'POST', '/api/sessions', { token: ACME_ANN, body: { graphId: 'echo' } })).json.id;
  expect(globexSession).toMatch(/^[0-9a-f-]{36}$/);
});
afterAll(() => runner?.stop());

interface Request {
  method: string;
  path: string | (() => string);
  token?: string | null;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

async function refusal(request: Request): Promise<ObservedError> {
  const path = typeof request.path === 'function' ? request.path() : request.path;
  const token = request.token === null ? undefined : (request.token ?? ACME);
  const res = await api(runner.url, request.method, path, {
    token,
    body: request.body,
    raw: request.raw,
    headers: request.headers,
  });
  if (res.status < 400) return undefined;
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return {
    status: res.status,
    ...res.json.error,
    allow: res.headers.get('allow') ?? undefined,
    authenticate: res.headers.get('www-authenticate') ?? undefined,
  };
}

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
      // ---- other tenants' ids
      {
        name: "another tenant's graph",
        input: { method: 'GET', path: () => `/api/graphs/${globexGraph}` },
        expect: { status: 404, code: 'not_found', message: `graph "secret" not found` },
      },
      {
        name: "another tenant's graph export",
        input: { method: 'GET', path: () => `/api/graphs/${globexGraph}/export` },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: "a session on another tenant's graph",
        input: { method: 'POST', path: '/api/sessions', body: { graphId: 'secret' } },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: "another tenant's session",
        input: { method: 'GET', path: () => `/api/sessions/${globexSession}` },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: "another tenant's transcript",
        input: { method: 'GET', path: () => `/api/sessions/${globexSession}/transcript` },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: "a message into another tenant's session",
        input: { method: 'POST', path: () => `/api/sessions/${globexSession}/messages`, body: { content: 'hijack' } },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: "closing another tenant's session",
        input: { method: 'POST', path: () => `/api/sessions/${globexSession}/close` },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: "deleting another tenant's session",
        input: { method: 'DELETE', path: () => `/api/sessions/${globexSession}` },
        expect: { status: 404, code: 'not_found' },
      },
      // ---- users inside a tenant
      {
        name: "another user's session",
        input: { method: 'GET', path: () => `/api/sessions/${annSession}`, token: ACME_BOB },
        expect: { status: 404, code: 'not_found', message: /^session "[0-9a-f-]{36}" not found$/ },
      },
      {
        name: "a message into another user's session",
        input: {
          method: 'POST',
          path: () => `/api/sessions/${annSession}/messages`,
          token: ACME_BOB,
          body: { content: 'hijack' },
        },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: "a tenant's session from a user token",
        input: { method: 'GET', path: () => `/api/sessions/${acmeSession}`, token: ACME_BOB },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: 'a session for another user',
        input: { method: 'POST', path: '/api/sessions', token: ACME_BOB, body: { graphId: 'echo', user: 'ann' } },
        expect: { status: 403, code: 'forbidden', message: 'a token bound to user "bob" cannot act for user "ann"' },
      },
      {
        name: 'erasing a user with a user token',
        input: { method: 'DELETE', path: '/api/users/ann', token: ACME_BOB },
        expect: { status: 403, code: 'forbidden' },
      },
      {
        name: 'erasing a user with an unusable name',
        input: { method: 'DELETE', path: `/api/users/${'x'.repeat(201)}` },
        expect: { status: 400, code: 'invalid', message: /^user "x+" is not allowed: use 1-200 characters$/ },
      },
      // ---- tokens
      {
        name: 'no token',
        input: { method: 'GET', path: '/api/graphs', token: null },
        expect: { status: 401, code: 'unauthorized', authenticate: 'Bearer' },
      },
      {
        name: 'expired token',
        input: { method: 'GET', path: '/api/graphs', token: EXPIRED },
        expect: { status: 401, code: 'unauthorized', authenticate: 'Bearer' },
      },
      {
        name: 'forged token',
        input: { method: 'GET', path: '/api/graphs', token: 'forged-token-0123456789abcdef' },
        expect: { status: 401, code: 'unauthorized' },
      },
      {
        name: 'a real token with one character changed',
        input: { method: 'GET', path: '/api/graphs', token: ACME.slice(0, -1) + 'X' },
        expect: { status: 401, code: 'unauthorized' },
      },
      {
        name: 'a real token as Basic auth',
        input: { method: 'GET', path: '/api/graphs', token: null, headers: { authorization: `Basic ${ACME}` } },
        expect: { status: 401, code: 'unauthorized' },
      },
      {
        name: 'a token in the query string',
        input: { method: 'GET', path: `/api/graphs?token=${ACME}`, token: null },
        expect: { status: 401, code: 'unauthorized' },
      },
      {
        name: 'OpenAI endpoint without a token',
        input: { method: 'POST', path: '/v1/chat/completions', token: null, body: { model: 'echo', messages: [] } },
        expect: { status: 401, code: 'unauthorized' },
      },
    ],
    refusal,
  );

  it("the other tenant's session was left alone", async () => {
    const res = await api(runner.url, 'GET', `/api/sessions/${globexSession}/transcript`, { token: GLOBEX });
    expect(res.status).toBe(200);
    expect(res.json.messages).toEqual([]);
    expect((await api(runner.url, 'GET', `/api/sessions/${globexSession}`, { token: GLOBEX })).json.state).not.toBe(
      'closed',
    );
  });

  it('the runner still serves a normal turn afterwards', async () => {
    const res = await api(runner.url, 'POST', `/api/sessions/${acmeSession}/messages`, {
      token: ACME,
      body: { content: 'still there?', wait: true },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.messages.map((m: { content: string }) => m.content)).toContain('echo: still there?');
  });
});

describe('a flood past the rate limit', () => {
  let limited: TestRunner;
  beforeAll(async () => {
    limited = await startTestRunner({
      tokens: [
        { token: ACME, tenant: 'acme' },
        { token: GLOBEX, tenant: 'globex' },
      ],
      limits: { http: { perSecond: 1, burst: 20 } },
    });
  });
  afterAll(() => limited?.stop());

  it('answers 429 with Retry-After once the burst is spent, and only for that tenant', async () => {
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof api>> | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await api(limited.url, 'GET', '/api/graphs', { token: ACME });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    count({ cases: statuses.length });
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(refused?.json.error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/^too many requests; retry in \d+ s$/),
    });
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api(limited.url, 'GET', '/api/graphs', { token: GLOBEX })).status).toBe(200);
  });
});
