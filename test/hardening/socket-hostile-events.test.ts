import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, call, connect, nextEvent, ok, type TestRunner } from '../integration/helpers.ts';
import { hostileCases } from './harness/cases.ts';
import { count } from './harness/tally.ts';
import {
  ACME,
  EXPIRED,
  GLOBEX,
  hostileSocketTarget,
  joinAsTold,
  NO_SUCH_SESSION,
  PAYLOAD_LIMIT,
  send,
  TENANT_EVENTS,
  type Attempt,
} from './helpers/hostile-socket.ts';

/**
 * Hostile Socket.IO traffic against a real runner. Every bad event gets an error ack (or an
 * `error` event when the client asked for no ack); the server never crashes, and a bystander
 * session of another tenant keeps completing turns with only its own messages meanwhile.
 */
const target = hostileSocketTarget();
const { logged, open, bystander, refusal } = target;
let runner: TestRunner;
let attacker: Socket;
let acmeSession: string;
let globexSession: string;
beforeAll(() => ({ runner, attacker, acmeSession, globexSession } = target));

describe('hostile Socket.IO events', () => {
  let watcher: ReturnType<typeof bystander>;
  beforeAll(() => {
    watcher = bystander();
  });

  hostileCases<Attempt | (() => Attempt)>(
    [
      {
        name: 'an unknown event',
        input: { event: 'admin:shutdown', args: [{}] },
        expect: { code: 'unknown_event', message: /^unknown event "admin:shutdown"; events are session:create/ },
      },
      {
        name: 'an event named like a prototype method',
        input: { event: 'toString', args: [{}] },
        expect: { code: 'unknown_event', message: /^unknown event "toString"; / },
      },
      {
        name: 'an event named __proto__',
        input: { event: '__proto__', args: [{}] },
        expect: { code: 'unknown_event', message: /^unknown event "__proto__"; / },
      },
      {
        name: 'a string instead of an object',
        input: { event: 'session:create', args: ['echo'] },
        expect: {
          code: 'invalid',
          message: 'invalid "session:create" payload',
          details: { problems: [{ path: '', message: 'Invalid input: expected object, received string' }] },
        },
      },
      {
        name: 'null payload',
        input: { event: 'session:join', args: [null] },
        expect: {
          code: 'invalid',
          message: 'invalid "session:join" payload',
          details: { problems: [{ path: '', message: 'Invalid input: expected object, received null' }] },
        },
      },
      {
        name: 'an array payload',
        input: { event: 'session:send', args: [[acmeSession, 'hi']] },
        expect: {
          code: 'invalid',
          message: 'invalid "session:send" payload',
          details: { problems: [{ path: '', message: 'Invalid input: expected object, received array' }] },
        },
      },
      {
        name: 'no payload at all',
        input: { event: 'session:create', args: [] },
        expect: { code: 'invalid', message: '"session:create" takes exactly one payload object' },
      },
      {
        name: 'two payloads',
        input: { event: 'session:create', args: [{ graphId: 'echo' }, { graphId: 'echo' }] },
        expect: { code: 'invalid', message: '"session:create" takes exactly one payload object' },
      },
      {
        name: 'a binary payload',
        input: { event: 'session:create', args: [Buffer.from('graphId')] },
        expect: {
          code: 'invalid',
          message: 'invalid "session:create" payload',
          details: {
            problems: expect.arrayContaining([
              { path: '/graphId', message: 'Invalid input: expected string, received undefined' },
            ]),
          },
        },
      },
      {
        name: 'a graph id with a path',
        input: { event: 'session:create', args: [{ graphId: '../../etc' }] },
        expect: {
          code: 'invalid',
          message: 'invalid "session:create" payload',
          details: { problems: [{ path: '/graphId', message: 'may only contain letters, digits, "_" and "-"' }] },
        },
      },
      {
        name: 'an unknown field',
        input: { event: 'session:create', args: [{ graphId: 'echo', tenant: 'globex' }] },
        expect: {
          code: 'invalid',
          message: 'invalid "session:create" payload',
          details: { problems: [{ path: '', message: 'Unrecognized key: "tenant"' }] },
        },
      },
      {
        name: 'a __proto__ field',
        input: () => ({ event: 'session:create', args: [JSON.parse('{"graphId":"echo","__proto__":{"admin":true}}')] }),
        expect: {
          code: 'invalid',
          message: 'invalid "session:create" payload',
          details: { problems: [{ path: '', message: 'Unrecognized key: "__proto__"' }] },
        },
      },
      {
        name: 'a version that is not a number',
        input: { event: 'session:create', args: [{ graphId: 'echo', version: '1' }] },
        expect: {
          code: 'invalid',
          message: 'invalid "session:create" payload',
          details: { problems: [{ path: '/version', message: 'Invalid input: expected number, received string' }] },
        },
      },
      {
        name: "a graph of another tenant's only",
        input: { event: 'session:create', args: [{ graphId: 'nothing-here' }] },
        expect: { code: 'not_found', message: 'graph "nothing-here" not found' },
      },
      {
        name: 'joining a malformed session id',
        input: { event: 'session:join', args: [{ sessionId: '../../x' }] },
        expect: {
          code: 'invalid',
          message: 'invalid "session:join" payload',
          details: { problems: [{ path: '/sessionId', message: 'must be a session id (UUID)' }] },
        },
      },
      {
        name: 'joining a session that does not exist',
        input: () => ({ event: 'session:join', args: [{ sessionId: randomUUID() }] }),
        expect: { code: 'not_found', message: NO_SUCH_SESSION },
      },
      {
        name: "joining another tenant's session",
        input: () => ({ event: 'session:join', args: [{ sessionId: globexSession }] }),
        expect: { code: 'not_found', message: NO_SUCH_SESSION },
      },
      {
        name: "sending into another tenant's session",
        input: send(() => globexSession, 'hijack'),
        expect: { code: 'not_found', message: NO_SUCH_SESSION },
      },
      {
        name: "closing another tenant's session",
        input: () => ({ event: 'session:close', args: [{ sessionId: globexSession }] }),
        expect: { code: 'not_found', message: NO_SUCH_SESSION },
      },
      {
        name: "aborting another tenant's turn",
        input: () => ({ event: 'turn:abort', args: [{ sessionId: globexSession }] }),
        expect: { code: 'not_found', message: NO_SUCH_SESSION },
      },
      {
        name: "answering another tenant's input request",
        input: () => ({
          event: 'session:input',
          args: [{ sessionId: globexSession, requestId: 'r1', content: 'yes' }],
        }),
        expect: { code: 'not_found', message: NO_SUCH_SESSION },
      },
      {
        name: 'an empty message',
        input: send(() => acmeSession, ''),
        expect: {
          code: 'invalid',
          message: 'invalid "session:send" payload',
          details: { problems: [{ path: '/content', message: 'must not be empty' }] },
        },
      },
      {
        name: 'a message over 32,000 characters',
        input: send(() => acmeSession, 'x'.repeat(32_001)),
        expect: {
          code: 'invalid',
          message: 'invalid "session:send" payload',
          details: { problems: [{ path: '/content', message: 'must be at most 32000 characters' }] },
        },
      },
      {
        name: 'a message that is an object',
        input: send(() => acmeSession, { $gt: '' }),
        expect: {
          code: 'invalid',
          message: 'invalid "session:send" payload',
          details: { problems: [{ path: '/content', message: 'Invalid input: expected string, received object' }] },
        },
      },
      {
        name: 'a message id with a path',
        input: send(() => acmeSession, 'hi', { messageId: '../x' }),
        expect: {
          code: 'invalid',
          message: 'invalid "session:send" payload',
          details: {
            problems: [{ path: '/messageId', message: expect.stringMatching(/^Invalid string: must match pattern/) }],
          },
        },
      },
      {
        name: 'a payload over the size limit',
        input: send(() => acmeSession, 'x'.repeat(30_000), { padding: 'y'.repeat(PAYLOAD_LIMIT) }),
        expect: {
          code: 'payload_too_large',
          message: 'payload is 80078 bytes; the limit is 50000',
          details: { limit: 50_000 },
        },
      },
      {
        name: 'an answer to an input request nobody made',
        input: () => ({
          event: 'session:input',
          args: [{ sessionId: acmeSession, requestId: 'never-asked', content: 'yes' }],
        }),
        expect: { code: 'not_found', message: 'input request "never-asked" not found' },
      },
    ],
    async (input) => refusal(typeof input === 'function' ? input() : input),
  );

  it('an unknown event without an ack is answered with an error event', async () => {
    const error = nextEvent(attacker, 'error');
    attacker.emit('admin:shutdown', { now: true });
    expect(await error).toMatchObject({ code: 'unknown_event' });
    count({ cases: 1 });
  });

  it('sending before joining: accepted for an own session (REST allows it too), but no events reach the unjoined socket', async () => {
    const early = await open(ACME);
    const leaked: unknown[] = [];
    early.onAny((event) => leaked.push(event));
    const ended = nextEvent(attacker, 'turn_end', (e) => e.sessionId === acmeSession);
    const accepted = ok(
      await call<{ turnId: string }>(early, 'session:send', { sessionId: acmeSession, content: 'sent before joining' }),
    );
    count({ cases: 1 });
    expect(await ended).toMatchObject({ turnId: accepted.turnId, reason: 'completed' });
    expect(leaked).toEqual([]);
  });

  it('a handshake without a token, with a forged one or with an expired one, is refused', async () => {
    for (const token of [undefined, 'forged-token-0123456789abcdef', EXPIRED]) {
      const refused = await connect(runner.url, token).then(
        (s) => (s.disconnect(), undefined),
        (e: Error & { data?: unknown }) => e.data,
      );
      expect(refused).toMatchObject({ code: 'unauthorized' });
      count({ cases: 1 });
    }
  });

  it('handshakes without a valid token are limited per address, which a forged X-Forwarded-For does not change; valid tokens keep connecting', async () => {
    // The test before spent 3 of this address's 6; the runner trusts no proxy, so the header is the client's own word.
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        connect(runner.url, 'forged-token-0123456789abcdef', {
          extraHeaders: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        }).then(
          (s) => (s.disconnect(), undefined),
          (e: Error & { data?: { code: string; details?: unknown } }) => e.data,
        ),
      ),
    );
    count({ cases: attempts.length });
    expect(attempts.filter((a) => a?.code === 'unauthorized')).toHaveLength(3);
    const limited = attempts.filter((a) => a?.code === 'rate_limited');
    expect(limited).toHaveLength(3);
    expect(limited[0]).toMatchObject({
      message: expect.stringMatching(
        /^rate_limited: too many connections from this address without a valid token; retry in \d+ ms$/,
      ),
      details: { scope: 'address', retryAfterMs: expect.any(Number) },
    });
    (await open(GLOBEX)).disconnect();
  });

  it('a burst past the limit is rate limited with acks, then the socket recovers', async () => {
    const flooder = await open(ACME);
    // Half a burst over: refused, not cut off (that takes more refusals than a burst within a second).
    const acks = await Promise.all(
      Array.from({ length: 150 }, () => call(flooder, 'session:join', { sessionId: acmeSession }, 30_000)),
    );
    count({ cases: acks.length });
    const refused = acks.filter((a) => !a.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((a) => !a.ok && a.error.code === 'rate_limited')).toBe(true);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(ok(await call(flooder, 'session:join', { sessionId: acmeSession }))).toMatchObject({
      session: { id: acmeSession },
    });
    expect(flooder.connected).toBe(true);
  });

  it('a socket that keeps sending past its limit, unknown events included, is told why and cut off; other sockets are not', async () => {
    const flooder = await open(ACME);
    const flooderId = flooder.id;
    const errors: Array<{ code: string; message: string; details?: unknown }> = [];
    flooder.on('error', (e: { code: string; message: string }) => errors.push(e));
    const gone = new Promise<string>((r) => flooder.once('disconnect', (reason) => r(reason)));
    // The case before spent one event of the tenant's budget: let it refill, so the whole burst
    // below is this socket's (the counts asserted depend on it).
    await new Promise((r) => setTimeout(r, (5 * 1000) / TENANT_EVENTS.perSecond));
    // No acks: each refusal comes back as an error event.
    for (let i = 0; i < 400; i++) flooder.emit('admin:shutdown', { now: i });
    expect(await gone).toBe('io server disconnect');
    count({ cases: 400 });
    const codes = errors.map((e) => e.code);
    // The burst's worth answered as unknown, then refusals, then the cut-off, last.
    expect(codes.slice(0, 100)).toEqual(Array(100).fill('unknown_event'));
    expect(codes.at(-1)).toBe('flood');
    expect(codes.filter((c) => c === 'rate_limited').length).toBeGreaterThanOrEqual(100);
    expect(new Set(codes)).toEqual(new Set(['unknown_event', 'rate_limited', 'flood']));
    expect(errors.at(-1)).toEqual({
      code: 'flood',
      message: 'disconnected: more than 100 events refused within one second (the limit is 50/s, burst 100)',
      details: { perSecond: 50, burst: 100 },
    });
    // Another socket of the flooder's tenant shares its drained budget: it may be told to retry
    // (rate_limited with a wait), but it stays connected and is served once it waits as told.
    const join = await joinAsTold(attacker, acmeSession);
    expect(attacker.connected).toBe(true);
    expect(ok(join)).toMatchObject({ session: { id: acmeSession } });
    // The runner's log: one warning naming the socket and tenant, no error and no stack (a flooder is not the runner's fault).
    const cutOff = logged.lines.filter((l) => l.code === 'flood');
    expect(cutOff).toEqual([
      expect.objectContaining({
        level: 40,
        socket: flooderId,
        tenant: 'acme',
        msg: 'socket cut off: more than 100 events refused within one second (the limit is 50/s, burst 100)',
      }),
    ]);
    expect(JSON.stringify(cutOff)).not.toContain('stack');
    expect(logged.lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a packet far over the limit disconnects only that socket', async () => {
    const victim = await open(ACME);
    const gone = new Promise<string>((r) => victim.once('disconnect', (reason) => r(reason)));
    victim.emit('session:send', { sessionId: acmeSession, content: 'z'.repeat(5 * PAYLOAD_LIMIT) });
    expect(await gone).toBe('transport close');
    count({ cases: 1 });
    // The tenant's budget may still be drained by the flood before: the attacker waits as told.
    expect(ok(await joinAsTold(attacker, acmeSession))).toMatchObject({ session: { id: acmeSession } });
  });

  it('the bystander session completed every turn with only its own messages', async () => {
    expect(await watcher.finish()).toBeGreaterThanOrEqual(3);
    expect((await api(runner.url, 'GET', '/api/health')).status).toBe(200);
  });
});
