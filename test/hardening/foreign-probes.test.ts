import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../schemas/protocol.ts';
import { api, connect, startTestRunner, type TestRunner } from '../integration/helpers.ts';
import { echoGraph } from './fixtures/graphs.ts';
import { count } from './harness/tally.ts';

/**
 * A foreign tenant hammers a live session's id over REST, Socket.IO and /v1 while the session's
 * owner runs its turns. The owner must never notice: every one of its calls succeeds, and every
 * foreign call is refused as "not found". The owner talks over REST only, so its session keeps
 * leaving memory between calls (pageOutMs 0) and every call loads it again: the moment the
 * foreign probes race with.
 */
const ACME = 'acme-probe-token-0123456789abcdef';
const GLOBEX = 'globex-probe-token-0123456789abcdef';
const TURNS = 100;
const PROBES_IN_FLIGHT = 2;
const NOT_FOUND = /^session "[0-9a-f-]{36}" not found$/;
let runner: TestRunner;

beforeAll(async () => {
  runner = await startTestRunner({
    tokens: [
      { token: ACME, tenant: 'acme' },
      { token: GLOBEX, tenant: 'globex' },
    ],
    // The flood limits are not what this is about: every probe must reach the session lookup.
    limits: { http: { perSecond: 100_000, burst: 100_000 }, socket: { perSecond: 100_000, burst: 100_000 } },
  });
  for (const token of [ACME, GLOBEX]) {
    const created = await api(runner.url, 'POST', '/api/graphs', { token, body: { graph: echoGraph('echo') } });
    expect(created.status, created.text).toBe(201);
  }
});
afterAll(() => runner?.stop());

interface Refusals {
  rest: number;
  socket: number;
  v1: number;
  /** What a probe got that was not a refusal as "not found". */
  wrong: string[];
}

/** Probes the session over the three surfaces, a few in flight on each, until `stop` says so. */
async function probe(sessionId: string, stop: () => boolean): Promise<Refusals> {
  const seen: Refusals = { rest: 0, socket: 0, v1: 0, wrong: [] };
  const socket = await connect(runner.url, GLOBEX);
  const rest = async () => {
    const res = await api(runner.url, 'GET', `/api/sessions/${sessionId}`, { token: GLOBEX });
    if (res.status === 404 && res.json?.error?.code === 'not_found' && NOT_FOUND.test(res.json.error.message))
      seen.rest++;
    else seen.wrong.push(`REST ${res.status} ${res.text}`);
  };
  const join = async () => {
    const ack = (await socket.timeout(10_000).emitWithAck('session:join', { sessionId })) as Ack;
    if (!ack.ok && ack.error.code === 'not_found' && NOT_FOUND.test(ack.error.message)) seen.socket++;
    else seen.wrong.push(`session:join ${JSON.stringify(ack)}`);
  };
  const v1 = async () => {
    const body = { model: 'echo', messages: [{ role: 'user', content: 'let me in' }] };
    const res = await api(runner.url, 'POST', '/v1/chat/completions', {
      token: GLOBEX,
      body,
      headers: { 'x-switchboard-session': sessionId },
    });
    if (res.status === 404 && res.json?.error?.code === 'not_found') seen.v1++;
    else seen.wrong.push(`/v1 ${res.status} ${res.text}`);
  };
  const loop = async (attempt: () => Promise<void>) => {
    while (!stop()) await attempt();
  };
  try {
    await Promise.all(
      [rest, join, v1].flatMap((attempt) => Array.from({ length: PROBES_IN_FLIGHT }, () => loop(attempt))),
    );
  } finally {
    socket.disconnect();
  }
  return seen;
}

describe('a foreign tenant probing a live session', () => {
  it(`leaves its owner's ${TURNS} turns untouched, over REST, Socket.IO and /v1`, { timeout: 240_000 }, async () => {
    const created = await api(runner.url, 'POST', '/api/sessions', { token: ACME, body: { graphId: 'echo' } });
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    let done = false;
    const probes = probe(id, () => done);
    const failures: string[] = [];
    try {
      for (let turn = 0; turn < TURNS; turn++) {
        const sent = await api(runner.url, 'POST', `/api/sessions/${id}/messages`, {
          token: ACME,
          body: { content: `turn ${turn}`, wait: true },
        });
        if (sent.status !== 200) failures.push(`turn ${turn}: send ${sent.status} ${sent.text}`);
        else if (!sent.json.messages.some((m: { content: string }) => m.content === `echo: turn ${turn}`))
          failures.push(`turn ${turn}: no answer in ${sent.text}`);
        const read = await api(runner.url, 'GET', `/api/sessions/${id}`, { token: ACME });
        if (read.status !== 200) failures.push(`turn ${turn}: get ${read.status} ${read.text}`);
      }
    } finally {
      done = true;
    }
    const refused = await probes;
    count({ cases: 3 });
    expect(failures).toEqual([]);
    expect(refused.wrong).toEqual([]);
    // Each surface was really exercised while the turns ran.
    expect(refused.rest).toBeGreaterThan(TURNS);
    expect(refused.socket).toBeGreaterThan(TURNS);
    expect(refused.v1).toBeGreaterThan(TURNS);
    const transcript = await api(runner.url, 'GET', `/api/sessions/${id}/transcript`, { token: ACME });
    expect(transcript.json.messages.filter((m: { sender: string }) => m.sender === 'user')).toHaveLength(TURNS);
  });
});
