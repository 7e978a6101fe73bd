import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, nextEvent, ok, type TestRunner } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { startFlood, type FloodResult } from './helpers/flooder.ts';
import {
  ACME,
  GLOBEX,
  HANDSHAKES,
  hostileSocketTarget,
  PAYLOAD_LIMIT,
  TENANT_EVENTS,
} from './helpers/hostile-socket.ts';

/**
 * A sustained Socket.IO flood from another process against a real runner, its sockets reopened
 * for a fresh budget: the flooder's tenant is held to its budgets, another tenant's turns keep
 * their speed, and a client of its tenant at its limit is never cut off.
 */
const target = hostileSocketTarget();
const { open, politeClient } = target;
let runner: TestRunner;
let acmeSession: string;
let globexSession: string;
beforeAll(() => ({ runner, acmeSession, globexSession } = target));

describe('a sustained flood that reconnects', () => {
  /**
   * Fairness without a timing threshold: the bystander's median turn under the flood is compared
   * with its own median in the quiet phases between, in the same runner, with phases alternating
   * so whatever else loads the machine weighs on both alike. The flood's budgets are its tenant's
   * (events summed over its sockets, handshakes), so reconnecting buys it nothing; what it still
   * costs is the parse and ack of what it sends within them.
   */
  const SLOWDOWN = 1.5;
  const ROUNDS = 6;
  const PHASE_MS = 2000;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  it("a flooder in another process that keeps reopening its sockets for a fresh budget gets none: its tenant's events and handshakes are limited across them, another tenant's turns stay within 1.5× of their speed, and a client of its tenant at its limit is never cut off", async () => {
    const socket = await open(GLOBEX);
    const session = ok(await call<{ session: { id: string } }>(socket, 'session:create', { graphId: 'echo' })).session
      .id;
    const timedTurn = async (content: string) => {
      const started = performance.now();
      const ended = nextEvent(socket, 'turn_end', (e) => e.sessionId === session);
      ok(await call(socket, 'session:send', { sessionId: session, content }));
      expect(await ended).toMatchObject({ reason: 'completed' });
      return performance.now() - started;
    };
    /** Turns at a steady pace for one phase, well within the bystander's own event limit. */
    const phase = async (label: string, into: number[]) => {
      const until = performance.now() + PHASE_MS;
      for (let i = 0; performance.now() < until; i++) {
        into.push(await timedTurn(`${label} ${i}`));
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    for (let i = 0; i < 5; i++) await timedTurn(`warm-up ${i}`);
    // Connected before the flood: once it starts, the tenant's handshake budget is the flooder's.
    const polite = await politeClient(acmeSession);

    // Every one of these is refused; a flooding socket gets rate_limited once its tenant's budget is spent.
    const started = performance.now();
    const flood = await startFlood({
      url: runner.url,
      token: ACME,
      sockets: 4,
      inFlight: 5,
      attempts: [
        { event: 'admin:shutdown', args: [{}] },
        { event: 'session:create', args: ['echo'] },
        { event: 'session:join', args: [{ sessionId: '../../x' }] },
        { event: 'session:join', args: [{ sessionId: globexSession }] },
        { event: 'session:send', args: [{ sessionId: globexSession, content: 'hijack' }] },
        {
          event: 'session:send',
          args: [{ sessionId: acmeSession, content: 'x'.repeat(30_000), padding: 'y'.repeat(PAYLOAD_LIMIT) }],
        },
        { event: 'turn:abort', args: [{ sessionId: randomUUID() }] },
      ],
      reconnect: true,
      reconnectEvery: 10,
    });
    const quiet: number[] = [];
    const underFlood: number[] = [];
    let result: FloodResult;
    try {
      await flood.pause();
      for (let round = 0; round < ROUNDS; round++) {
        await phase(`quiet ${round}`, quiet);
        await flood.resume();
        await phase(`under flood ${round}`, underFlood);
        await flood.pause();
      }
    } finally {
      result = await flood.stop();
    }
    const floodSeconds = (performance.now() - started) / 1000;
    const politeTally = await polite.finish();
    count({ cases: result.sent + Object.values(result.handshakeRefusals).reduce((a, b) => a + b, 0) });

    // No flood event went through; each was refused, or was in flight when its socket was cut off.
    expect(result.accepted).toEqual({});
    expect(Object.values(result.refusals).reduce((a, b) => a + b, 0) + result.unanswered).toBe(result.sent);
    // Reconnecting bought it no fresh budget: what got past the rate (to be refused for what it
    // was) fits in its tenant's budget for the whole flood.
    const { rate_limited: rateLimited = 0, ...admitted } = result.refusals;
    expect(rateLimited).toBeGreaterThan(0);
    expect(Object.values(admitted).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(
      TENANT_EVENTS.burst + Math.ceil(floodSeconds * TENANT_EVENTS.perSecond),
    );
    // A socket cut off was told why (the cut-off itself: 'a socket that keeps sending past its limit…').
    expect(result.errors.flood?.count ?? 0).toBe(result.disconnected);
    expect(Object.keys(result.errors).filter((code) => code !== 'flood')).toEqual([]);
    // Its reconnects were refused past its tenant's handshake budget (a burst, then the rate).
    expect(result.handshakeRefusals.rate_limited).toBeGreaterThan(0);
    expect(Object.keys(result.handshakeRefusals)).toEqual(['rate_limited']);
    expect(result.connected).toBeLessThanOrEqual(HANDSHAKES.burst + Math.ceil(floodSeconds * HANDSHAKES.perSecond));
    // The client at its limit was refused now and then, and never cut off.
    expect(politeTally.rateLimited).toBeGreaterThan(0);
    expect(politeTally.disconnected).toBe(false);
    const [before, during] = [median(quiet), median(underFlood)];
    expect(
      during,
      `median turn ${during.toFixed(2)} ms under a flood of ${result.sent} events and ${result.connected} connections (${quiet.length}/${underFlood.length} turns), ${before.toFixed(2)} ms in between`,
    ).toBeLessThanOrEqual(SLOWDOWN * before);
  });
});
