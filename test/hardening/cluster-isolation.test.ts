import type { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, MessageEvent } from '../../schemas/protocol.ts';
import { connectTestRedis, flushPrefix, TEST_REDIS_URL, testPrefix } from '../../runner/cluster/test-support.ts';
import { api, call, connect, nextEvent, ok, spawnServer, tempDir } from '../integration/helpers.ts';
import { hostileCases, type ObservedError } from './harness/cases.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * Tenancy across a cluster: two `serve --redis` processes share one Redis. A tenant's session
 * owned by one process must stay out of reach of another tenant connected to the other process,
 * over REST and Socket.IO alike, and keep working while it is probed.
 */
const ACME = 'acme-token-0123456789abcdef';
const GLOBEX = 'globex-token-0123456789abcdef';
const ANN = 'acme-ann-token-0123456789abcdef';
const BOB = 'acme-bob-token-0123456789abcdef';
const prefix = testPrefix('hardening');
let redis: Redis;
const members: Awaited<ReturnType<typeof spawnServer>>[] = [];
const dirs: { remove(): void }[] = [];
const sockets: Socket[] = [];
let acmeSession: string;
let intruder: Socket;
let annSession: string;
let bob: Socket;

beforeAll(async () => {
  redis = await connectTestRedis();
  for (let i = 0; i < 2; i++) {
    const dir = tempDir('hardening-cluster-');
    dirs.push(dir);
    members.push(
      await spawnServer(['--redis', TEST_REDIS_URL, '--data', dir.path], {
        REDIS_PREFIX: prefix,
        SWITCHBOARD_TOKENS: `${ACME}=acme,${GLOBEX}=globex,${ANN}=acme:ann,${BOB}=acme:bob`,
      }),
    );
  }
  for (const token of [ACME, GLOBEX])
    expect(
      (await api(members[0]!.url, 'POST', '/api/graphs', { token, body: { graph: echoGraph('echo') } })).status,
    ).toBe(201);
  acmeSession = (await api(members[0]!.url, 'POST', '/api/sessions', { token: ACME, body: { graphId: 'echo' } })).json
    .id;
  annSession = (await api(members[0]!.url, 'POST', '/api/sessions', { token: ANN, body: { graphId: 'echo' } })).json.id;
  intruder = await connect(members[1]!.url, GLOBEX);
  bob = await connect(members[1]!.url, BOB);
  sockets.push(intruder, bob);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const m of members) m.child.kill('SIGKILL');
  await Promise.all(members.map((m) => m.exited));
  if (redis) {
    await flushPrefix(redis, prefix);
    redis.disconnect();
  }
  for (const d of dirs) d.remove();
});

type Probe =
  | { rest: { method: string; path: () => string; body?: unknown } }
  | { socket: { event: string; payload: () => unknown } };

async function attempt(probe: Probe): Promise<ObservedError> {
  if ('rest' in probe) {
    const res = await api(members[1]!.url, probe.rest.method, probe.rest.path(), {
      token: GLOBEX,
      body: probe.rest.body,
    });
    return res.status < 400 ? undefined : { status: res.status, ...res.json.error };
  }
  const ack = (await intruder.timeout(10_000).emitWithAck(probe.socket.event, probe.socket.payload())) as Ack;
  return ack.ok ? undefined : ack.error;
}

describe("another tenant's session owned by another cluster process", () => {
  hostileCases<Probe>(
    [
      {
        name: 'REST read',
        input: { rest: { method: 'GET', path: () => `/api/sessions/${acmeSession}` } },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: 'REST transcript',
        input: { rest: { method: 'GET', path: () => `/api/sessions/${acmeSession}/transcript` } },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: 'REST send',
        input: {
          rest: { method: 'POST', path: () => `/api/sessions/${acmeSession}/messages`, body: { content: 'hijack' } },
        },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: 'REST close',
        input: { rest: { method: 'POST', path: () => `/api/sessions/${acmeSession}/close` } },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: 'REST delete',
        input: { rest: { method: 'DELETE', path: () => `/api/sessions/${acmeSession}` } },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: 'socket join',
        input: { socket: { event: 'session:join', payload: () => ({ sessionId: acmeSession }) } },
        expect: { code: 'not_found' },
      },
      {
        name: 'socket send',
        input: { socket: { event: 'session:send', payload: () => ({ sessionId: acmeSession, content: 'hijack' }) } },
        expect: { code: 'not_found' },
      },
      {
        name: 'socket abort',
        input: { socket: { event: 'turn:abort', payload: () => ({ sessionId: acmeSession }) } },
        expect: { code: 'not_found' },
      },
      {
        name: 'socket close',
        input: { socket: { event: 'session:close', payload: () => ({ sessionId: acmeSession }) } },
        expect: { code: 'not_found' },
      },
    ],
    attempt,
  );

  it('the owner tenant still runs turns from either process, and nothing of the intruder got in', async () => {
    const seenByIntruder: unknown[] = [];
    intruder.onAny((event, payload) => seenByIntruder.push({ event, payload }));
    for (const member of members) {
      const owner = await connect(member.url, ACME);
      sockets.push(owner);
      ok(await call(owner, 'session:join', { sessionId: acmeSession }));
      const end = nextEvent(owner, 'turn_end', (e) => e.sessionId === acmeSession);
      ok(await call(owner, 'session:send', { sessionId: acmeSession, content: `from ${member.url}` }));
      expect(await end).toMatchObject({ reason: 'completed' });
    }
    const messages = (await api(members[1]!.url, 'GET', `/api/sessions/${acmeSession}/transcript`, { token: ACME }))
      .json.messages as MessageEvent[];
    expect(messages.filter((m) => m.sender === 'user').map((m) => m.content)).toEqual(
      members.map((m) => `from ${m.url}`),
    );
    expect(seenByIntruder).toEqual([]);
  });
});

describe("another user's session of the same tenant, across the cluster", () => {
  type UserProbe = {
    rest?: { method: string; path: () => string; body?: unknown };
    socket?: { event: string; payload: () => unknown };
  };
  hostileCases<UserProbe>(
    [
      {
        name: "REST read of another user's session",
        input: { rest: { method: 'GET', path: () => `/api/sessions/${annSession}` } },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: "REST send into another user's session",
        input: {
          rest: { method: 'POST', path: () => `/api/sessions/${annSession}/messages`, body: { content: 'hijack' } },
        },
        expect: { status: 404, code: 'not_found' },
      },
      {
        name: "socket join of another user's session",
        input: { socket: { event: 'session:join', payload: () => ({ sessionId: annSession }) } },
        expect: { code: 'not_found' },
      },
    ],
    async (probe) => {
      if (probe.rest) {
        const res = await api(members[1]!.url, probe.rest.method, probe.rest.path(), {
          token: BOB,
          body: probe.rest.body,
        });
        return res.status < 400 ? undefined : { status: res.status, ...res.json.error };
      }
      const ack = (await bob.timeout(10_000).emitWithAck(probe.socket!.event, probe.socket!.payload())) as Ack;
      return ack.ok ? undefined : ack.error;
    },
  );

  it("the user's own token reaches it from either process", async () => {
    for (const member of members)
      expect((await api(member.url, 'GET', `/api/sessions/${annSession}`, { token: ANN })).json).toMatchObject({
        user: 'ann',
      });
  });
});
