import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../schemas/protocol.ts';
import { connectTestRedis, flushPrefix, TEST_REDIS_URL, testPrefix } from '../../runner/cluster/test-support.ts';
import { echoGraph } from '../../runner/sessions/test-support.ts';
import { eventually } from '../helpers/eventually.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.ts';
import { api, spawnServer, tempDir } from '../integration/helpers.ts';

/**
 * Two `switchboard serve --redis` processes exporting traces to one local OTLP receiver. A
 * message sent to the process that does not own the session is forwarded to the owner over
 * Redis; the owner's turn continues the caller's trace.
 */

interface Member {
  name: string;
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  id: string;
}

let redis: Redis;
let otlp: OtlpReceiver;
const prefix = testPrefix('cluster-trace');
const members: Member[] = [];
const dirs: Array<{ remove(): void }> = [];

async function startMember(name: string): Promise<Member> {
  const dir = tempDir('sb-cluster-trace-');
  dirs.push(dir);
  const started = await spawnServer(['--redis', TEST_REDIS_URL, '--data', dir.path], {
    REDIS_PREFIX: prefix,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_SERVICE_NAME: name,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  const member = { ...started, name, id: (await api(started.url, 'GET', '/api/cluster')).json.self as string };
  members.push(member);
  return member;
}

beforeAll(async () => {
  redis = await connectTestRedis();
  otlp = await startOtlpReceiver();
  await Promise.all([startMember('runner-a'), startMember('runner-b')]);
  expect((await api(members[0]!.url, 'POST', '/api/graphs', { body: { graph: echoGraph() } })).status).toBe(201);
  await eventually(
    async () => (await api(members[0]!.url, 'GET', '/api/cluster')).json.processes as unknown[],
    (list) => list.length === 2,
    'two members',
  );
});

afterAll(async () => {
  for (const m of members) m.child.kill('SIGKILL');
  await Promise.all(members.map((m) => Promise.race([m.exited, new Promise((r) => setTimeout(r, 5000))])));
  await otlp?.close();
  await flushPrefix(redis, prefix);
  redis.disconnect();
  for (const d of dirs) d.remove();
});

describe('trace context across processes', () => {
  it('a message sent to a non-owner is forwarded, and the owner’s turn continues the caller’s trace', async () => {
    const session = (await api(members[0]!.url, 'POST', '/api/sessions', { body: { graphId: 'echo' } }))
      .json as SessionInfo;
    const ownerId = (await api(members[0]!.url, 'GET', `/api/sessions/${session.id}`)).json.owner as string;
    const ownerMember = members.find((m) => m.id === ownerId)!;
    expect(ownerMember, `owner ${ownerId} of ${members.map((m) => m.id)}`).toBeDefined();
    const other = members.find((m) => m !== ownerMember)!;

    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const sent = await api(other.url, 'POST', `/api/sessions/${session.id}/messages`, {
      body: { content: 'over there', wait: true },
      headers: { traceparent: `00-${traceId}-${spanId}-01` },
    });
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    expect(sent.json.messages.map((m: { content: string }) => m.content)).toContain('echo: over there');

    const spans = await otlp.waitFor(
      (all) =>
        all.some((s) => s.traceId === traceId && s.name === 'turn echo') &&
        all.some((s) => s.traceId === traceId && s.name.startsWith('chat ')),
    );
    const ofTrace = spans.filter((s) => s.traceId === traceId);
    const turn = ofTrace.find((s) => s.name === 'turn echo')!;
    // The turn ran in the owner process, under the caller's span that reached the other one.
    expect(turn.service).toBe(ownerMember.name);
    expect(turn.parentSpanId).toBe(spanId);
    expect(turn.attributes['switchboard.session.id']).toBe(session.id);
    const agent = ofTrace.find((s) => s.name === 'agent echo')!;
    expect(agent.parentSpanId).toBe(turn.spanId);
    expect(ofTrace.find((s) => s.name.startsWith('chat '))!.parentSpanId).toBe(agent.spanId);
    expect(ofTrace.filter((s) => s.service === other.name && s.name.startsWith('turn '))).toEqual([]);
  });
});
