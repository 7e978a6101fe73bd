import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Ack, MessageEvent } from '../../../schemas/protocol.ts';
import {
  api,
  call,
  connect,
  memoryLog,
  nextEvent,
  ok,
  startTestRunner,
  type TestRunner,
} from '../../integration/helpers.ts';
import type { ObservedError } from '../harness/cases.ts';
import { echoGraph } from '../fixtures/graphs.ts';

export const ACME = 'acme-token-0123456789abcdef';
export const GLOBEX = 'globex-token-0123456789abcdef';
export const EXPIRED = 'acme-expired-0123456789abcdef';
export const PAYLOAD_LIMIT = 50_000;
/** Per tenant: enough for the sockets a test file opens, few enough that a reconnecting flood is held to them. */
export const HANDSHAKES = { perSecond: 2, burst: 10 };
/** Per client address, without a valid token. */
export const ANONYMOUS_HANDSHAKES = { perSecond: 0.5, burst: 6 };
/** The tenant's events, summed over its sockets. */
export const TENANT_EVENTS = { perSecond: 50, burst: 100 };

/** Joins, waiting as told while its tenant's event budget is drained (at most three waits). */
export async function joinAsTold(socket: Socket, sessionId: string) {
  let join = await call(socket, 'session:join', { sessionId });
  for (let wait = 0; wait < 3 && !join.ok && join.error.code === 'rate_limited'; wait++) {
    await new Promise((r) =>
      setTimeout(
        r,
        Number((join as { error: { details?: { retryAfterMs?: number } } }).error.details?.retryAfterMs ?? 1000) + 50,
      ),
    );
    join = await call(socket, 'session:join', { sessionId });
  }
  return join;
}

export type Attempt = { event: string; args: unknown[] };

/** Another tenant's session answers exactly like one that does not exist. */
export const NO_SUCH_SESSION = /^session "[0-9a-f-]{36}" not found$/;

/** A session:send attempt, built when its case runs: the session ids are known only then. */
export const send =
  (sessionId: () => string, content: unknown, extra: Record<string, unknown> = {}): (() => Attempt) =>
  () => ({ event: 'session:send', args: [{ sessionId: sessionId(), content, ...extra }] });

/**
 * A real runner that a test file's hostile Socket.IO traffic is aimed at, started before its
 * tests and stopped after them: tenants acme and globex with an echo graph and a session each,
 * the attacker one of acme's sockets. Sockets from `open` are disconnected after the file;
 * `logged` keeps what the runner logs from warnings up. Read the fields once the file's
 * `beforeAll` hooks have run.
 */
export function hostileSocketTarget() {
  let runner: TestRunner | undefined;
  const logged = memoryLog('warn');
  let attacker: Socket;
  let acmeSession: string;
  let globexSession: string;
  const opened: Socket[] = [];

  async function open(token = ACME): Promise<Socket> {
    const socket = await connect(runner!.url, token);
    opened.push(socket);
    return socket;
  }

  beforeAll(async () => {
    runner = await startTestRunner(
      {
        tokens: [
          { token: ACME, tenant: 'acme' },
          { token: GLOBEX, tenant: 'globex' },
          { token: EXPIRED, tenant: 'acme', expiresAt: '2020-01-01T00:00:00Z' },
        ],
        limits: {
          socketPayloadBytes: PAYLOAD_LIMIT,
          socket: { perSecond: 50, burst: 100 },
          socketTenant: TENANT_EVENTS,
          handshakeTenant: HANDSHAKES,
          handshakeAddress: ANONYMOUS_HANDSHAKES,
        },
      },
      logged.log,
    );
    for (const token of [ACME, GLOBEX])
      expect((await api(runner.url, 'POST', '/api/graphs', { token, body: { graph: echoGraph('echo') } })).status).toBe(
        201,
      );
    attacker = await open(ACME);
    acmeSession = ok(await call<{ session: { id: string } }>(attacker, 'session:create', { graphId: 'echo' })).session
      .id;
    const globex = await open(GLOBEX);
    globexSession = ok(await call<{ session: { id: string } }>(globex, 'session:create', { graphId: 'echo' })).session
      .id;
  });
  afterAll(async () => {
    for (const s of opened) s.disconnect();
    await runner?.stop();
  });

  /**
   * A client at its limit that plays by the rules: one event at a time, as fast as acks come, and
   * after a refusal it waits the retryAfterMs it was given.
   */
  async function politeClient(sessionId: string) {
    let stop = false;
    const tally = { ok: 0, rateLimited: 0, disconnected: false };
    const socket = await open(ACME);
    const done = (async () => {
      socket.once('disconnect', () => (tally.disconnected = true));
      while (!stop && socket.connected) {
        const ack = await call<{ session: { id: string } }>(socket, 'session:join', { sessionId });
        if (ack.ok) tally.ok++;
        else {
          expect(ack.error.code).toBe('rate_limited');
          tally.rateLimited++;
          await new Promise((r) => setTimeout(r, (ack.error.details as { retryAfterMs: number }).retryAfterMs));
        }
      }
      socket.off('disconnect');
      socket.disconnect();
    })();
    return {
      async finish() {
        stop = true;
        await done;
        return tally;
      },
    };
  }

  /** A bystander: another tenant's client that keeps running turns while the attacks go on. */
  function bystander() {
    let stop = false;
    const contents: string[] = [];
    const done = (async () => {
      const socket = await open(GLOBEX);
      const session = ok(await call<{ session: { id: string } }>(socket, 'session:create', { graphId: 'echo' })).session
        .id;
      const seen: MessageEvent[] = [];
      socket.on('message', (m: MessageEvent) => seen.push(m));
      for (let turn = 0; !stop || turn < 3; turn++) {
        const content = `bystander turn ${turn}`;
        const ended = nextEvent(socket, 'turn_end', (e) => e.sessionId === session);
        ok(await call(socket, 'session:send', { sessionId: session, content }));
        expect(await ended).toMatchObject({ reason: 'completed' });
        contents.push(content);
        // A person's pace, well under the per-socket event limit.
        await new Promise((r) => setTimeout(r, 100));
      }
      return { session, seen };
    })();
    return {
      async finish() {
        stop = true;
        const { session, seen } = await done;
        expect(seen.every((m) => m.sessionId === session && m.topic.source === session)).toBe(true);
        expect(seen.filter((m) => m.sender === 'user').map((m) => m.content)).toEqual(contents);
        return contents.length;
      },
    };
  }

  /** Emits with an ack and reports the error it carried. */
  async function refusal({ event, args }: Attempt): Promise<ObservedError> {
    const ack = (await attacker.timeout(10_000).emitWithAck(event, ...args)) as Ack;
    return ack.ok ? undefined : { ...ack.error, status: undefined };
  }

  return {
    logged,
    open,
    politeClient,
    bystander,
    refusal,
    get runner() {
      return runner!;
    },
    get attacker() {
      return attacker;
    },
    get acmeSession() {
      return acmeSession;
    },
    get globexSession() {
      return globexSession;
    },
  };
}
