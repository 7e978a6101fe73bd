import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestRedis, flushPrefix, testPrefix, TEST_REDIS_URL } from '../../runner/cluster/test-support.ts';
import { api, call, connect, memoryToolGraph, startTestRunner, type TestRunner } from './helpers.ts';

/**
 * Users inside a tenant. A token bound to a user reaches only that user's sessions and memory;
 * another user's session answers exactly like another tenant's. A tenant token reaches every
 * session of its tenant and may act for a named user. Over REST, Socket.IO and /v1.
 */
const TENANT = 'acme-tenant-token-0123456789abcdef';
const ANN = 'acme-ann-token-0123456789abcdef';
const BOB = 'acme-bob-token-0123456789abcdef';
const GLOBEX = 'globex-token-0123456789abcdef';
const TOKENS = [
  { token: TENANT, tenant: 'acme' },
  { token: ANN, tenant: 'acme', user: 'ann' },
  { token: BOB, tenant: 'acme', user: 'bob' },
  { token: GLOBEX, tenant: 'globex' },
];
const NOT_FOUND = (id: string) => ({ code: 'not_found', message: `session "${id}" not found` });

async function setUp(runner: TestRunner): Promise<void> {
  for (const token of [TENANT, GLOBEX]) {
    const created = await api(runner.url, 'POST', '/api/graphs', { token, body: { graph: memoryToolGraph } });
    expect(created.status, created.text).toBe(201);
  }
}

async function createSession(runner: TestRunner, token: string, user?: string): Promise<string> {
  const res = await api(runner.url, 'POST', '/api/sessions', {
    token,
    body: { graphId: 'mem', ...(user ? { user } : {}) },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.id;
}

async function say(runner: TestRunner, token: string, id: string, content: string): Promise<string> {
  const res = await api(runner.url, 'POST', `/api/sessions/${id}/messages`, { token, body: { content, wait: true } });
  expect(res.status, res.text).toBe(200);
  return res.json.messages.find((m: { sender: string }) => m.sender !== 'user')?.content;
}

describe('users inside a tenant (embedded store)', () => {
  let runner: TestRunner;
  let annSession: string;
  let bobSession: string;
  let tenantSession: string;
  let globexSession: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    runner = await startTestRunner({ tokens: TOKENS });
    await setUp(runner);
    annSession = await createSession(runner, ANN);
    bobSession = await createSession(runner, BOB);
    tenantSession = await createSession(runner, TENANT);
    globexSession = await createSession(runner, GLOBEX);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await runner?.stop();
  });

  const open = async (token: string) => {
    const socket = await connect(runner.url, token);
    sockets.push(socket);
    return socket;
  };

  it("REST: another user's session answers 404 exactly like another tenant's, for every operation", async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', ''],
      ['GET', '/transcript'],
      ['POST', '/messages', { content: 'hi' }],
      ['POST', '/close'],
      ['POST', '/pause'],
      ['POST', '/abort'],
      ['POST', '/input', { requestId: 'r1', content: 'x' }],
      ['DELETE', ''],
    ];
    for (const [method, path, body] of routes) {
      const ofUser = await api(runner.url, method, `/api/sessions/${bobSession}${path}`, { token: ANN, body });
      const ofTenant = await api(runner.url, method, `/api/sessions/${globexSession}${path}`, { token: ANN, body });
      const unbound = await api(runner.url, method, `/api/sessions/${tenantSession}${path}`, { token: ANN, body });
      for (const [res, id] of [
        [ofUser, bobSession],
        [ofTenant, globexSession],
        [unbound, tenantSession],
      ] as const) {
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.json.error).toEqual(NOT_FOUND(id));
      }
    }
    // Left untouched: Bob's session still works for Bob.
    expect(await say(runner, BOB, bobSession, 'list')).toBe('{}');
  });

  it('REST: the list shows a user token its own sessions only, a tenant token all of them', async () => {
    const ids = async (token: string, query = '') =>
      (await api(runner.url, 'GET', `/api/sessions${query}`, { token })).json.sessions
        .map((s: { id: string }) => s.id)
        .sort();
    expect(await ids(ANN)).toEqual([annSession]);
    expect(await ids(ANN, '?user=bob')).toEqual([]);
    expect(await ids(BOB)).toEqual([bobSession]);
    expect(await ids(TENANT)).toEqual([annSession, bobSession, tenantSession].sort());
    expect(await ids(TENANT, '?user=bob')).toEqual([bobSession]);
  });

  it('a tenant token acts for any user of its tenant and may create a session on behalf of one', async () => {
    const forAnn = await createSession(runner, TENANT, 'ann');
    const info = await api(runner.url, 'GET', `/api/sessions/${forAnn}`, { token: ANN });
    expect(info.status).toBe(200);
    expect(info.json.user).toBe('ann');
    expect((await api(runner.url, 'GET', `/api/sessions/${bobSession}`, { token: TENANT })).status).toBe(200);
    expect((await api(runner.url, 'GET', `/api/sessions/${forAnn}`, { token: BOB })).status).toBe(404);
  });

  it('a user token may not create a session for another user', async () => {
    const res = await api(runner.url, 'POST', '/api/sessions', { token: ANN, body: { graphId: 'mem', user: 'bob' } });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({
      code: 'forbidden',
      message: 'a token bound to user "ann" cannot act for user "bob"',
    });
    expect(
      (await api(runner.url, 'POST', '/api/sessions', { token: ANN, body: { graphId: 'mem', user: 'ann' } })).status,
    ).toBe(201);
  });

  it("memory is the session user's only", async () => {
    expect(await say(runner, BOB, bobSession, 'set color blue')).toBe('stored "color"');
    expect(await say(runner, ANN, annSession, 'get color')).toBe('(nothing stored under "color")');
    expect(await say(runner, BOB, bobSession, 'get color')).toBe('blue');
  });

  it("Socket.IO: another user's session cannot be joined, sent to or controlled", async () => {
    const ann = await open(ANN);
    for (const [event, extra] of [
      ['session:join', {}],
      ['session:send', { content: 'hi' }],
      ['turn:pause', {}],
      ['session:close', {}],
      ['session:input', { requestId: 'r', content: 'x' }],
    ] as const) {
      for (const id of [bobSession, globexSession]) {
        const ack = await call(ann, event, { sessionId: id, ...extra });
        expect(ack, event).toEqual({ ok: false, error: NOT_FOUND(id) });
      }
    }
    const created = await call(ann, 'session:create', { graphId: 'mem', user: 'bob' });
    expect(created).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const own = await call<{ session: { user: string } }>(ann, 'session:join', { sessionId: annSession });
    expect(own).toMatchObject({ ok: true, session: { user: 'ann' } });
    // A tenant socket joins any of the tenant's sessions.
    const tenant = await open(TENANT);
    expect(await call(tenant, 'session:join', { sessionId: bobSession })).toMatchObject({ ok: true });
  });

  it("/v1: another user's session is not found, and a user token speaks only for its user", async () => {
    const body = { model: 'mem', messages: [{ role: 'user', content: 'get color' }] };
    const foreign = await api(runner.url, 'POST', '/v1/chat/completions', {
      token: ANN,
      body,
      headers: { 'x-switchboard-session': bobSession },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.json.error).toMatchObject(NOT_FOUND(bobSession));
    const asBob = await api(runner.url, 'POST', '/v1/chat/completions', { token: ANN, body: { ...body, user: 'bob' } });
    expect(asBob.status).toBe(403);
    expect(asBob.json.error.code).toBe('forbidden');
    const own = await api(runner.url, 'POST', '/v1/chat/completions', { token: ANN, body });
    expect(own.status, own.text).toBe(200);
    expect(own.json.choices[0].message.content).toBe('(nothing stored under "color")');
    // A tenant token names the user: it reads that user's memory.
    const forBob = await api(runner.url, 'POST', '/v1/chat/completions', {
      token: TENANT,
      body: { ...body, user: 'bob' },
    });
    expect(forBob.json.choices[0].message.content).toBe('blue');
  });
});

describe('DELETE /api/users/:user', () => {
  const USER = 'erin-erasable';

  /** Everything a user leaves: sessions with transcripts and memory. Returns her session ids. */
  async function leaveTraces(runner: TestRunner): Promise<string[]> {
    const ids = [await createSession(runner, TENANT, USER), await createSession(runner, TENANT, USER)];
    for (const id of ids) expect(await say(runner, TENANT, id, `set city Zanzibar-of-${USER}`)).toBe('stored "city"');
    await api(runner.url, 'POST', `/api/sessions/${ids[1]}/close`, { token: TENANT });
    return ids;
  }

  /** Bob remembers something, Erin leaves her traces and is erased; returns her session ids. */
  async function eraseErin(runner: TestRunner): Promise<string[]> {
    await setUp(runner);
    const bobSession = await createSession(runner, BOB);
    expect(await say(runner, BOB, bobSession, 'set color blue')).toBe('stored "color"');
    const ids = await leaveTraces(runner);
    await erase(runner, ids, bobSession);
    return ids;
  }

  async function erase(runner: TestRunner, ids: string[], bobSession: string): Promise<void> {
    const refused = await api(runner.url, 'DELETE', `/api/users/${USER}`, { token: BOB });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({
      code: 'forbidden',
      message: 'erasing a user needs a tenant token; this token is bound to user "bob"',
    });
    const erased = await api(runner.url, 'DELETE', `/api/users/${USER}`, { token: TENANT });
    expect(erased.status, erased.text).toBe(200);
    expect(erased.json).toEqual({ user: USER, deletedSessions: 2 });
    for (const id of ids)
      expect((await api(runner.url, 'GET', `/api/sessions/${id}`, { token: TENANT })).status).toBe(404);
    expect((await api(runner.url, 'GET', `/api/sessions?user=${USER}`, { token: TENANT })).json.sessions).toEqual([]);
    // Others keep theirs.
    expect(await say(runner, BOB, bobSession, 'get color')).toBe('blue');
    // A new session of the same user starts with an empty memory.
    const fresh = await createSession(runner, TENANT, USER);
    expect(await say(runner, TENANT, fresh, 'list')).toBe('{}');
    await api(runner.url, 'DELETE', `/api/users/${USER}`, { token: TENANT });
  }

  /** Whether a text names the user or one of her sessions. */
  const traceIn = (text: string, ids: string[]) => [USER, ...ids].find((needle) => text.includes(needle));

  it('leaves nothing of the user in the embedded store: no file, no journal line, no index line', async () => {
    const runner = await startTestRunner({ tokens: TOKENS });
    try {
      const ids = await eraseErin(runner);
      const found = readdirSync(runner.dataDir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
        .map((path) => ({ path, trace: traceIn(path, ids) ?? traceIn(readFileSync(path, 'utf8'), ids) }))
        .filter((f) => f.trace);
      expect(found).toEqual([]);
    } finally {
      await runner.stop();
    }
  });

  it('leaves nothing of the user in Redis: no key, no value', { timeout: 60_000 }, async () => {
    const redis: Redis = await connectTestRedis();
    const prefix = testPrefix('erasure');
    const runner = await startTestRunner({ tokens: TOKENS, redisUrl: TEST_REDIS_URL, redisPrefix: prefix });
    try {
      const ids = await eraseErin(runner);
      const found: string[] = [];
      for (const key of await redis.keys(`${prefix}*`)) {
        const text = key + JSON.stringify(await contents(redis, key));
        const trace = traceIn(text, ids);
        if (trace) found.push(`${key}: ${trace}`);
      }
      expect(found).toEqual([]);
    } finally {
      await runner.stop();
      await flushPrefix(redis, prefix);
      redis.disconnect();
    }
  });
});

async function contents(redis: Redis, key: string): Promise<unknown> {
  switch (await redis.type(key)) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, '0', '-1');
    case 'stream':
      return redis.xrange(key, '-', '+');
    default:
      return null;
  }
}
