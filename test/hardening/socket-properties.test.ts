import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientEvents, type Ack } from '../../schemas/protocol.ts';
import { api, call, connect, ok, startTestRunner, type TestRunner } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * Random event sequences from two tenants' sockets, valid and invalid mixed, aimed at own,
 * foreign, unknown and malformed session ids: every event is answered, the runner keeps
 * serving, and no event or message of one tenant ever reaches the other.
 */
const RUNS = 25;
const TENANTS = ['acme', 'globex'] as const;
type Tenant = (typeof TENANTS)[number];
const TOKENS: Record<Tenant, string> = { acme: 'acme-token-0123456789abcdef', globex: 'globex-token-0123456789abcdef' };

let runner: TestRunner;
const sockets = {} as Record<Tenant, Socket>;
const sessions: Record<Tenant, string[]> = { acme: [], globex: [] };
const received: Record<Tenant, { event: string; payload: any }[]> = { acme: [], globex: [] };

beforeAll(async () => {
  runner = await startTestRunner({
    tokens: TENANTS.map((tenant) => ({ token: TOKENS[tenant], tenant })),
    limits: { socket: { perSecond: 1000, burst: 1000 } },
  });
  for (const tenant of TENANTS) {
    expect(
      (await api(runner.url, 'POST', '/api/graphs', { token: TOKENS[tenant], body: { graph: echoGraph('echo') } }))
        .status,
    ).toBe(201);
    sockets[tenant] = await connect(runner.url, TOKENS[tenant]);
    sockets[tenant].onAny((event: string, payload: unknown) => received[tenant].push({ event, payload }));
    for (let i = 0; i < 2; i++)
      sessions[tenant].push(
        ok(await call<{ session: { id: string } }>(sockets[tenant], 'session:create', { graphId: 'echo' })).session.id,
      );
  }
});
afterAll(async () => {
  for (const tenant of TENANTS) sockets[tenant]?.disconnect();
  await runner?.stop();
});

const other = (t: Tenant): Tenant => (t === 'acme' ? 'globex' : 'acme');

/** A session id as an attacker would pick it: own, foreign, unknown or malformed. */
const sessionRef = fc.oneof(
  fc.constantFrom('own0', 'own1', 'foreign0', 'foreign1'),
  fc.uuid(),
  fc.constantFrom('../../etc', '', 'x'.repeat(200), '__proto__'),
);
const payloadFor = (tenant: Tenant, ref: string, extra: Record<string, unknown>): Record<string, unknown> => {
  const m = /^(own|foreign)(\d)$/.exec(ref);
  const sessionId = m ? sessions[m[1] === 'own' ? tenant : other(tenant)][Number(m[2])] : ref;
  return { sessionId, ...extra };
};
const step = fc.record({
  from: fc.constantFrom<Tenant>(...TENANTS),
  event: fc.oneof(fc.constantFrom(...Object.keys(ClientEvents)), fc.constantFrom('nope', 'toString', 'session:*')),
  ref: sessionRef,
  extra: fc.oneof(
    fc.record({ content: fc.string({ minLength: 1, maxLength: 40 }) }),
    fc.record({ requestId: fc.string({ maxLength: 10 }), content: fc.string() }),
    fc.record({ graphId: fc.constantFrom('echo', '../x', 'missing') }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  ),
  raw: fc.option(fc.jsonValue({ maxDepth: 3 }), { freq: 5 }),
});

/** Everything a tenant may legitimately see carries one of its own session ids. */
function foreignSeen(tenant: Tenant): unknown[] {
  const mine = new Set(sessions[tenant]);
  return received[tenant].filter(({ event, payload }) => {
    if (event === 'error') return false;
    const id = payload?.sessionId ?? payload?.session?.id;
    if (id === undefined) return false;
    return !mine.has(id) || (typeof payload?.content === 'string' && payload.content.startsWith(`[${other(tenant)}]`));
  });
}

describe('random event sequences', () => {
  it('every event is answered, the runner stays up, and isolation holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), async (steps) => {
        for (const s of steps) {
          // Contents are tagged with the sending tenant, so a leak is recognisable wherever it lands.
          const fields = s.extra as Record<string, unknown>;
          const extra =
            typeof fields.content === 'string' ? { ...fields, content: `[${s.from}] ${fields.content}` } : fields;
          const payload = s.raw ?? payloadFor(s.from, s.ref, extra);
          const ack = (await sockets[s.from].timeout(10_000).emitWithAck(s.event, payload)) as Ack;
          if (ack.ok && s.event === 'session:create')
            sessions[s.from].push((ack as unknown as { session: { id: string } }).session.id);
          if (!ack.ok) expect(typeof ack.error.code).toBe('string');
        }
        count({ cases: steps.length });
        expect((await api(runner.url, 'GET', '/api/health')).status).toBe(200);
        for (const tenant of TENANTS) expect(foreignSeen(tenant)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    for (const tenant of TENANTS) {
      for (const id of sessions[tenant]) {
        const res = await api(runner.url, 'GET', `/api/sessions/${id}/transcript`, { token: TOKENS[tenant] });
        expect(res.status).toBe(200);
        expect(res.json.messages.filter((m: { content: string }) => m.content.includes(`[${other(tenant)}]`))).toEqual(
          [],
        );
      }
    }
  });
});
