import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, exampleGraph, startTestRunner, type TestRunner } from './helpers.ts';

const ACME = 'acme-token-0123456789';
const GLOBEX = 'globex-token-0123456789';

describe('REST API', () => {
  let runner: TestRunner;
  const as = (token: string) => (method: string, path: string, body?: unknown, raw?: string) =>
    api(runner.url, method, path, { token, body, raw });
  let acme: ReturnType<typeof as>;
  let globex: ReturnType<typeof as>;

  beforeAll(async () => {
    runner = await startTestRunner({
      tokens: [
        { token: ACME, tenant: 'acme' },
        { token: GLOBEX, tenant: 'globex' },
      ],
      limits: { bodyBytes: 64_000, http: { perSecond: 1000, burst: 1000 } },
    });
    acme = as(ACME);
    globex = as(GLOBEX);
  });
  afterAll(() => runner.stop());

  it('answers health without a token and refuses the API without one', async () => {
    const health = await api(runner.url, 'GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ ok: true, auth: 'token' });
    const anonymous = await api(runner.url, 'GET', '/api/graphs');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error.code).toBe('unauthorized');
    expect((await api(runner.url, 'GET', '/api/graphs', { token: 'wrong-token-0123456789' })).status).toBe(401);
  });

  it('creates, versions, searches, exports, duplicates and deletes graphs', async () => {
    const graph = exampleGraph('hello');
    const created = await acme('POST', '/api/graphs', { graph });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'hello', version: 1, draft: false });

    const again = await acme('POST', '/api/graphs', { graph });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conflict');

    const updated = await acme('PUT', '/api/graphs/hello', { graph: { ...graph, name: 'Hello 2' }, baseVersion: 1 });
    expect(updated.status).toBe(200);
    expect(updated.json.version).toBe(2);

    const stale = await acme('PUT', '/api/graphs/hello', { graph, baseVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.json.error.details.currentVersion).toBe(2);

    expect((await acme('GET', '/api/graphs/hello')).json.graph.name).toBe('Hello 2');
    expect((await acme('GET', '/api/graphs/hello?version=1')).json.graph.name).toBe('Hello');
    expect((await acme('GET', '/api/graphs/hello/versions')).json.versions).toEqual([1, 2]);

    expect((await acme('GET', '/api/graphs?q=HELLO')).json.graphs.map((g: { id: string }) => g.id)).toEqual(['hello']);
    expect((await acme('GET', '/api/graphs?q=nothing-like-this')).json.graphs).toEqual([]);

    const exported = await acme('GET', '/api/graphs/hello/export');
    expect(exported.status).toBe(200);
    expect(exported.json.graph.id).toBe('hello');
    expect(exported.json.manifest).toMatchObject({ graphId: 'hello', version: 2, credentials: [] });

    const copy = await acme('POST', '/api/graphs/hello/duplicate', {});
    expect(copy.status).toBe(201);
    expect(copy.json).toMatchObject({
      id: 'hello-copy',
      version: 1,
      graph: { id: 'hello-copy', name: 'Hello 2 (copy)' },
    });

    expect((await acme('DELETE', '/api/graphs/hello-copy')).status).toBe(204);
    expect((await acme('GET', '/api/graphs/hello-copy')).status).toBe(404);
  });

  it('exports credential names and never their values', async () => {
    const graph = exampleGraph('hello') as any;
    graph.id = 'with-key';
    graph.models = [
      ...graph.models,
      { id: 'gpt', provider: 'openai', model: 'gpt-4o-mini', credential: 'acme-openai' },
    ];
    const saved = await acme('POST', '/api/graphs', { graph });
    expect(saved.status).toBe(201);
    const exported = await acme('GET', '/api/graphs/with-key/export');
    expect(exported.json.manifest.credentials).toEqual(['acme-openai']);
  });

  it('stores an invalid graph only as a draft, with its problems, and validates without storing', async () => {
    const broken = { ...exampleGraph('hello'), id: 'broken', entry: 'no-such-topic' };
    const refused = await acme('POST', '/api/graphs', { graph: broken });
    expect(refused.status).toBe(400);
    expect(refused.json.error.details.problems.some((p: { path: string }) => p.path === '/entry')).toBe(true);

    const draft = await acme('POST', '/api/graphs', { graph: broken, draft: true });
    expect(draft.status).toBe(201);
    expect(draft.json.draft).toBe(true);
    expect(draft.json.problems.length).toBeGreaterThan(0);

    const session = await acme('POST', '/api/sessions', { graphId: 'broken' });
    expect(session.status).toBeGreaterThanOrEqual(400);
    expect(session.status).toBeLessThan(500);

    const check = await acme('POST', '/api/graphs/validate', { graph: { id: 'x' } });
    expect(check.status).toBe(200);
    expect(check.json.ok).toBe(false);
    expect((await acme('GET', '/api/graphs/x')).status).toBe(404);
  });

  it('keeps tenants apart: another tenant’s ids are not found', async () => {
    expect((await globex('GET', '/api/graphs/hello')).status).toBe(404);
    expect((await globex('GET', '/api/graphs')).json.graphs).toEqual([]);
    expect((await globex('PUT', '/api/graphs/hello', { graph: exampleGraph('hello'), baseVersion: 2 })).status).toBe(
      404,
    );
    expect((await globex('DELETE', '/api/graphs/hello')).status).toBe(404);
    expect((await acme('GET', '/api/graphs/hello')).status).toBe(200);
  });

  it('lists and opens the examples', async () => {
    const list = await acme('GET', '/api/examples');
    expect(list.json.examples.map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(['hello', 'support', 'writer-critic', 'research', 'approval']),
    );
    const one = await acme('GET', '/api/examples/support');
    expect(one.json.graph.id).toBe('support');
    expect((await acme('GET', '/api/examples/nope')).status).toBe(404);
  });

  it('answers every error as { error: { code, message } } with the right status', async () => {
    const cases: Array<[Promise<Awaited<ReturnType<typeof api>>>, number, string]> = [
      [acme('GET', '/api/no-such-route'), 404, 'not_found'],
      [acme('PATCH', '/api/graphs/hello'), 405, 'method_not_allowed'],
      [acme('GET', '/api/graphs/validate'), 405, 'method_not_allowed'],
      [acme('POST', '/api/graphs', undefined, '{"graph": '), 400, 'invalid_json'],
      [
        acme('POST', '/api/graphs', { graph: exampleGraph('hello'), junk: 'x'.repeat(70_000) }),
        413,
        'payload_too_large',
      ],
      [
        api(runner.url, 'POST', '/api/graphs', { token: ACME, raw: 'hi', headers: { 'content-type': 'text/plain' } }),
        415,
        'unsupported_media_type',
      ],
      [acme('GET', '/api/graphs/not%20an%20id'), 400, 'invalid'],
      [acme('GET', '/api/graphs/hello?version=abc'), 400, 'invalid'],
      [acme('GET', '/api/sessions/not-a-uuid'), 400, 'invalid'],
      [acme('GET', '/api/sessions/7b0c1f5e-2f57-4e6a-9b8e-3c1d2e4f5a6b'), 404, 'not_found'],
      [acme('POST', '/api/sessions', { graphId: 'nope' }), 404, 'not_found'],
      [acme('POST', '/api/sessions', { graphId: 'hello', extra: true }), 400, 'invalid'],
      [acme('DELETE', '/api/sessions'), 405, 'method_not_allowed'],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
      expect(typeof res.json.error.message).toBe('string');
    }
    const allowed = await acme('PATCH', '/api/graphs/hello');
    expect(allowed.headers.get('allow')).toBe('GET, PUT, DELETE');
  });

  it('rate limits with 429 and Retry-After', async () => {
    const limited = await startTestRunner({ limits: { http: { perSecond: 1, burst: 3 } } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 20; i++) {
        const res = await api(limited.url, 'GET', '/api/graphs');
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          expect(res.json.error.code).toBe('rate_limited');
        }
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses).toContain(429);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.stop();
    }
  });

  it('runs a session over REST and shows it in /metrics', async () => {
    const created = await acme('POST', '/api/sessions', { graphId: 'hello' });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const turn = await acme('POST', `/api/sessions/${id}/messages`, { content: 'hello there', wait: true });
    expect(turn.status).toBe(200);
    expect(
      turn.json.messages.some(
        (m: { output: boolean; content: string }) => m.output && m.content.includes('Switchboard greeter'),
      ),
    ).toBe(true);

    const transcript = await acme('GET', `/api/sessions/${id}/transcript`);
    expect(transcript.json.messages.length).toBeGreaterThanOrEqual(2);
    const first = transcript.json.messages[0].id as string;
    const after = await acme('GET', `/api/sessions/${id}/transcript?after=${first}`);
    expect(after.json.messages.length).toBe(transcript.json.messages.length - 1);

    expect((await acme('GET', '/api/sessions?graphId=hello')).json.sessions.map((s: { id: string }) => s.id)).toContain(
      id,
    );
    expect((await globex('GET', `/api/sessions/${id}`)).status).toBe(404);
    expect((await globex('GET', `/api/sessions/${id}/transcript`)).status).toBe(404);
    expect((await globex('POST', `/api/sessions/${id}/messages`, { content: 'intrusion' })).status).toBe(404);

    const closed = await acme('POST', `/api/sessions/${id}/close`);
    expect(closed.json.state).toBe('closed');

    const metrics = await api(runner.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(/switchboard_live_sessions \d+/);
    expect(metrics.text).toMatch(/switchboard_http_requests_total\{method="GET",status="200"\} \d+/);

    expect((await acme('DELETE', `/api/sessions/${id}`)).status).toBe(204);
    expect((await acme('GET', `/api/sessions/${id}`)).status).toBe(404);
  });
});

describe('designer hosting', () => {
  it('serves the built designer with an SPA fallback, and a build hint when it is missing', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir } = await import('./helpers.ts');
    const dir = tempDir('sb-designer-');
    const built = await startTestRunner({ designerDir: dir.path });
    try {
      const hint = await api(built.url, 'GET', '/', { headers: { accept: 'text/html' } });
      expect(hint.status).toBe(200);
      expect(hint.text).toContain('npm run build');

      mkdirSync(join(dir.path, 'assets'));
      writeFileSync(join(dir.path, 'index.html'), '<!doctype html><title>designer</title>');
      writeFileSync(join(dir.path, 'assets', 'app.js'), 'console.log(1)');
      expect((await api(built.url, 'GET', '/')).text).toContain('<title>designer</title>');
      expect(
        (await api(built.url, 'GET', '/graphs/support/edit', { headers: { accept: 'text/html' } })).text,
      ).toContain('<title>designer</title>');
      expect((await api(built.url, 'GET', '/assets/app.js')).text).toBe('console.log(1)');
      const apiMiss = await api(built.url, 'GET', '/api/nope', { headers: { accept: 'text/html' } });
      expect(apiMiss.status).toBe(404);
      expect(apiMiss.json.error.code).toBe('not_found');
      expect((await api(built.url, 'GET', '/missing.js')).status).toBe(404);
    } finally {
      await built.stop();
      dir.remove();
    }
  });
});
