import { expect } from 'vitest';
import { api, startTestRunner, type TestRunner } from '../../integration/helpers.ts';
import type { ObservedError } from '../harness/cases.ts';
import { echoGraph } from '../fixtures/graphs.ts';

export const ACME = 'acme-token-0123456789abcdef';
export const GLOBEX = 'globex-token-0123456789abcdef';
export const EXPIRED = 'acme-expired-0123456789abcdef';
export const ACME_ANN = 'acme-ann-token-0123456789abcdef';
export const ACME_BOB = 'acme-bob-token-0123456789abcdef';
/** Globex's graph, which acme's tokens must not reach. */
export const globexGraph = 'secret';

export interface RestTarget {
  runner: TestRunner;
  globexSession: string;
  acmeSession: string;
  /** A session of acme's user ann, which bob's token must not reach. */
  annSession: string;
}

/**
 * A real runner on loopback that hostile requests are aimed at: two tenants, acme with users ann
 * and bob, a graph and a session each, and a 100 KB body limit.
 */
export async function startRestTarget(): Promise<RestTarget> {
  const runner = await startTestRunner({
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
    [GLOBEX, globexGraph],
  ] as const) {
    const created = await api(runner.url, 'POST', '/api/graphs', { token, body: { graph: echoGraph(id) } });
    expect(created.status, created.text).toBe(201);
  }
  const globexSession = (
    await api(runner.url, 'POST', '/api/sessions', { token: GLOBEX, body: { graphId: globexGraph } })
  ).json.id;
  const acmeSession = (await api(runner.url, 'POST', '/api/sessions', { token: ACME, body: { graphId: 'echo' } })).json
    .id;
  const annSession = (await api(runner.url, 'POST', '/api/sessions', { token: ACME_ANN, body: { graphId: 'echo' } }))
    .json.id;
  expect(globexSession).toMatch(/^[0-9a-f-]{36}$/);
  return { runner, globexSession, acmeSession, annSession };
}

export interface Request {
  method: string;
  path: string | (() => string);
  token?: string | null;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** Sends the request (with acme's token unless it names one, or null for none) and reports its refusal. */
export async function refusalAt(url: string, request: Request): Promise<ObservedError> {
  const path = typeof request.path === 'function' ? request.path() : request.path;
  const token = request.token === null ? undefined : (request.token ?? ACME);
  const res = await api(url, request.method, path, {
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
