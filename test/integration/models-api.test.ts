import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai-server.ts';
import { api, startTestRunner, type TestRunner } from './helpers.ts';

const ACME = 'acme-token-0123456789';
const GLOBEX = 'globex-token-0123456789';
const KEY = 'sk-fake-right-key';

/** A loopback port nobody listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('models API: credential names, default model, test connection', () => {
  let runner: TestRunner;
  let fake: FakeOpenAI;
  const acme = (method: string, path: string, body?: unknown) => api(runner.url, method, path, { token: ACME, body });
  const model = (over: Record<string, unknown> = {}) => ({
    id: 'gpt',
    provider: 'openai',
    model: 'fake-model',
    baseUrl: fake.baseURL,
    credential: 'fake-right',
    ...over,
  });

  beforeAll(async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    runner = await startTestRunner({
      tokens: [
        { token: ACME, tenant: 'acme' },
        { token: GLOBEX, tenant: 'globex' },
      ],
      tenants: {
        acme: { credentials: { 'fake-right': KEY, 'fake-wrong': 'sk-wrong' } },
        globex: { credentials: { other: 'sk-other' } },
      },
      defaultModel: { id: 'gpt', provider: 'openai', model: 'gpt-4o-mini', credential: 'fake-right' },
    });
  });
  afterAll(async () => {
    await runner.stop();
    await fake.close();
  });

  it('lists the tenant credential names, never their values, and the default model', async () => {
    const res = await acme('GET', '/api/models');
    expect(res.status).toBe(200);
    expect(res.json.credentials).toEqual(['fake-right', 'fake-wrong']);
    expect(res.json.defaultModel).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', credential: 'fake-right' });
    expect(JSON.stringify(res.json)).not.toContain(KEY);
    const other = await api(runner.url, 'GET', '/api/models', { token: GLOBEX });
    expect(other.json.credentials).toEqual(['other']);
  });

  it('answers ok with the provider model list for a working key', async () => {
    const res = await acme('POST', '/api/models/test', { model: model() });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, scripted: false, models: ['fake-model'] });
    const call = fake.requests.find((r) => r.path === '/v1/chat/completions');
    expect(call?.body.max_tokens).toBe(1);
  });

  it('answers a 401 in words for a wrong key', async () => {
    const res = await acme('POST', '/api/models/test', { model: model({ credential: 'fake-wrong' }) });
    expect(res.json).toMatchObject({ ok: false, reason: 'unauthorized', status: 401, models: [] });
    expect(res.json.message).toContain('Incorrect API key provided');
  });

  it('names a credential the tenant does not have, and an unreachable host', async () => {
    const missing = await acme('POST', '/api/models/test', { model: model({ credential: 'other' }) });
    expect(missing.json).toMatchObject({ ok: false, reason: 'no_credential' });
    expect(missing.json.message).toContain('credential "other" is not configured');
    const port = await closedPort();
    const down = await acme('POST', '/api/models/test', { model: model({ baseUrl: `http://127.0.0.1:${port}/v1` }) });
    expect(down.json).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(down.json.message).toContain(`127.0.0.1:${port}`);
  });

  it('makes no call for a scripted model and refuses a malformed definition', async () => {
    const scripted = await acme('POST', '/api/models/test', { model: { id: 's', provider: 'scripted' } });
    expect(scripted.json).toEqual({ ok: true, scripted: true, models: [] });
    const bad = await acme('POST', '/api/models/test', { model: { id: 's', provider: 'nope' } });
    expect(bad.status).toBe(400);
  });
});
