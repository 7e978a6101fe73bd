import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type TestRunner } from '../integration/helpers.ts';
import { hostileCases } from './harness/cases.ts';
import {
  ACME,
  ACME_BOB,
  EXPIRED,
  GLOBEX,
  globexGraph,
  refusalAt,
  startRestTarget,
  type Request,
} from './helpers/hostile-rest.ts';

/**
 * Requests for what the caller may not reach: another tenant's graphs and sessions, another
 * user's sessions, and requests without a usable token. Each is refused as JSON with the right
 * status, and the other tenant's session is left untouched.
 */
let runner: TestRunner;
let globexSession: string;
let acmeSession: string;
let annSession: string;
beforeAll(async () => ({ runner, globexSession, acmeSession, annSession } = await startRestTarget()));
afterAll(() => runner?.stop());
const refusal = (request: Request) => refusalAt(runner.url, request);

describe('hostile REST requests', () => {
  hostileCases<Request>(
    [
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
});
