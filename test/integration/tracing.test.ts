import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo, TurnEndEvent } from '../../schemas/protocol.ts';
import { flushTraces } from '../../runner/telemetry/tracing.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai-server.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.ts';
import { api, call, connect, exampleGraph, nextEvent, ok, startTestRunner, type TestRunner } from './helpers.ts';

/** A caller's W3C trace context, as a client or a proxy in front of the runner sends it. */
function callerTrace(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

const sum = (spans: ReceivedSpan[], key: string) => spans.reduce((n, s) => n + Number(s.attributes[key] ?? 0), 0);

describe('OpenTelemetry traces of a turn, exported over OTLP/HTTP (JSON) to a local receiver', () => {
  let otlp: OtlpReceiver;
  let runner: TestRunner;
  let fake: FakeOpenAI;
  /** A page http_get fetches; it keeps the headers of each request. */
  let page: Server;
  const pageRequests: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    // The standard environment switches tracing on (once per process: this file's worker).
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = otlp.endpoint;
    process.env.OTEL_SERVICE_NAME = 'switchboard-test';
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
    runner = await startTestRunner();
    fake = await startFakeOpenAI();
    page = createServer((req, res) => {
      pageRequests.push(req.headers);
      res.end('a page');
    });
    await new Promise<void>((ok) => page.listen(0, '127.0.0.1', ok));
    const pageHost = `127.0.0.1:${(page.address() as AddressInfo).port}`;
    // The user's message goes to a model behind the fake OpenAI server and to an http_get tool.
    const hello = exampleGraph('hello');
    const outbound = {
      ...hello,
      id: 'outbound',
      models: [{ id: 'gpt', provider: 'openai', model: 'gpt-test', baseUrl: fake.baseURL, maxRetries: 0 }],
      agents: [
        { id: 'asker', type: 'asker', kind: 'assistant', label: 'Asker', config: { model: 'gpt' } },
        {
          id: 'fetcher',
          type: 'fetcher',
          kind: 'tool',
          label: 'Fetcher',
          config: { tool: 'http_get', argument: `http://${pageHost}/?q={input}` },
        },
      ],
      subscriptions: [
        { id: 'in-asker', topic: 'inbox', agent: 'asker', kind: 'type' },
        { id: 'in-fetcher', topic: 'inbox', agent: 'fetcher', kind: 'type' },
      ],
      publications: [
        { id: 'asker-out', agent: 'asker', topic: 'reply' },
        { id: 'fetcher-out', agent: 'fetcher', topic: 'reply' },
      ],
      limits: { allowedHosts: [pageHost] },
      layout: undefined,
    };
    for (const graph of [exampleGraph('research'), hello, outbound])
      expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph } })).status).toBe(201);
  });
  afterAll(async () => {
    await runner?.stop();
    await fake?.close();
    await new Promise((ok) => page?.close(ok));
    await otlp?.close();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_SERVICE_NAME;
    delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
  });

  /** Every span of `traceId` once the turn's root span (and, asked for, a store write of it) arrived. */
  async function trace(traceId: string, withWrite = false): Promise<ReceivedSpan[]> {
    await flushTraces();
    const has = (all: ReceivedSpan[], name: (n: string) => boolean) =>
      all.some((s) => s.traceId === traceId && name(s.name));
    const spans = await otlp.waitFor(
      (all) => has(all, (n) => n.startsWith('turn ')) && (!withWrite || has(all, (n) => n.startsWith('store '))),
    );
    return spans.filter((s) => s.traceId === traceId);
  }

  it('one research turn over REST: turn → agents → model calls and tools, store writes under the turn', async () => {
    const caller = callerTrace();
    const session = (await api(runner.url, 'POST', '/api/sessions', { body: { graphId: 'research' } }))
      .json as SessionInfo;
    const sent = await api(runner.url, 'POST', `/api/sessions/${session.id}/messages`, {
      body: { content: 'electric cargo bikes', wait: true },
      headers: { traceparent: caller.traceparent },
    });
    expect(sent.status).toBe(200);
    const spans = await trace(caller.traceId, true);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId ?? '');

    const turn = spans.find((s) => s.name === 'turn research')!;
    expect(turn.parentSpanId).toBe(caller.spanId);
    expect(turn.service).toBe('switchboard-test');
    expect(turn.attributes).toMatchObject({
      'switchboard.tenant': 'local',
      'switchboard.session.id': session.id,
      'switchboard.graph.id': 'research',
      'switchboard.graph.version': 1,
      'switchboard.turn.id': sent.json.turnId,
      'switchboard.turn.end_reason': 'completed',
    });

    const agents = spans.filter((s) => s.name.startsWith('agent '));
    for (const a of agents) expect(a.parentSpanId).toBe(turn.spanId);
    const agent = (type: string) => agents.filter((a) => a.attributes['switchboard.agent.type'] === type);
    expect(agent('research-lead')).toHaveLength(1);
    expect(agent('research-lead')[0]!.attributes).toMatchObject({
      'switchboard.agent.id': 'lead',
      'switchboard.agent.kind': 'assistant',
      'switchboard.topic.in': 'research.question',
      'switchboard.topics.out': ['research.brief'],
    });
    expect(agent('market-researcher')[0]!.attributes).toMatchObject({
      'switchboard.topic.in': 'research.brief',
      'switchboard.topics.out': ['research.findings'],
    });
    expect(agent('tech-researcher')).toHaveLength(1);
    // The aggregator handles both findings; the second one publishes the report.
    const combine = agent('findings-aggregator');
    expect(combine).toHaveLength(2);
    expect(combine.flatMap((c) => c.attributes['switchboard.topics.out'] as string[])).toEqual(['research.report']);
    expect(combine[0]!.attributes['switchboard.agent.kind']).toBe('aggregator');

    const models = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    // The lead calls its model twice (tools, then the brief); each researcher once.
    expect(models.map((m) => parentOf(m)?.attributes['switchboard.agent.type']).sort()).toEqual([
      'market-researcher',
      'research-lead',
      'research-lead',
      'tech-researcher',
    ]);
    for (const m of models) {
      expect(m.kind).toBe(3); // CLIENT
      expect(m.attributes['gen_ai.provider.name']).toBe('switchboard.scripted');
      expect(m.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(m.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      // Content stays out unless OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.
      expect(m.attributes['gen_ai.input.messages']).toBeUndefined();
    }
    const lead = models.filter((m) => m.attributes['gen_ai.request.model'] === 'lead-model');
    expect(lead.map((m) => m.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool_calls'], ['stop']]);
    expect(sum(models, 'gen_ai.usage.input_tokens')).toBe(sent.json.session.usage.promptTokens);
    expect(sum(models, 'gen_ai.usage.output_tokens')).toBe(sent.json.session.usage.completionTokens);

    const tools = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool');
    expect(tools.map((t) => t.attributes['gen_ai.tool.name'])).toEqual(['current_time', 'calculator']);
    for (const t of tools) expect(parentOf(t)?.attributes['switchboard.agent.type']).toBe('research-lead');

    const writes = spans.filter((s) => s.name === 'store putSession');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.some((w) => w.parentSpanId === turn.spanId)).toBe(true);
    expect(writes[0]!.attributes['db.system.name']).toBe('lowdb');
  });

  describe('over Socket.IO', () => {
    let socket: Socket;
    const handshake = callerTrace();
    beforeAll(async () => {
      socket = await connect(runner.url, undefined, { extraHeaders: { traceparent: handshake.traceparent } });
    });
    afterAll(() => socket?.disconnect());

    it('a send continues the handshake trace, and turn_end names the trace id', async () => {
      const { session } = ok(
        await call<{ session: SessionInfo }>(socket, 'session:create', { graphId: 'hello', user: 'ada' }),
      );
      const ended = nextEvent(socket, 'turn_end', (e) => e.sessionId === session.id);
      ok(await call(socket, 'session:send', { sessionId: session.id, content: 'hi' }));
      const end: TurnEndEvent = await ended;
      expect(end.traceId).toBe(handshake.traceId);
      const turn = (await trace(handshake.traceId)).find((s) => s.name === 'turn hello')!;
      expect(turn.parentSpanId).toBe(handshake.spanId);
      expect(turn.attributes['switchboard.user']).toBe('ada');
    });

    it('a traceparent in the event wins over the handshake', async () => {
      const own = callerTrace();
      const { session } = ok(await call<{ session: SessionInfo }>(socket, 'session:create', { graphId: 'hello' }));
      const ended = nextEvent(socket, 'turn_end', (e) => e.sessionId === session.id);
      ok(await call(socket, 'session:send', { sessionId: session.id, content: 'hi', traceparent: own.traceparent }));
      expect((await ended).traceId).toBe(own.traceId);
      expect((await trace(own.traceId)).find((s) => s.name === 'turn hello')!.parentSpanId).toBe(own.spanId);
    });
  });

  it('model calls and http_get send the trace on: traceparent names their own span', async () => {
    const caller = callerTrace();
    const session = (await api(runner.url, 'POST', '/api/sessions', { body: { graphId: 'outbound' } }))
      .json as SessionInfo;
    // A reason the runner could not guess: the span must carry the provider's own.
    fake.enqueue({ content: 'cut sh', finishReason: 'length' });
    expect(
      (
        await api(runner.url, 'POST', `/api/sessions/${session.id}/messages`, {
          body: { content: 'hi', wait: true },
          headers: { traceparent: caller.traceparent },
        })
      ).status,
    ).toBe(200);
    const spans = await trace(caller.traceId);
    const chat = spans.find((s) => s.name === 'chat gpt-test')!;
    expect(chat.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.response.finish_reasons': ['length'],
    });
    const sentToModel = fake.requests.at(-1)!.headers.traceparent;
    expect(sentToModel).toBe(`00-${caller.traceId}-${chat.spanId}-01`);
    const tool = spans.find((s) => s.name === 'execute_tool http_get')!;
    expect(pageRequests.at(-1)!.traceparent).toBe(`00-${caller.traceId}-${tool.spanId}-01`);
  });

  it('/v1/chat/completions continues the caller trace', async () => {
    const caller = callerTrace();
    const res = await api(runner.url, 'POST', '/v1/chat/completions', {
      body: { model: 'hello', messages: [{ role: 'user', content: 'hi' }] },
      headers: { traceparent: caller.traceparent },
    });
    expect(res.status).toBe(200);
    const turn = (await trace(caller.traceId)).find((s) => s.name === 'turn hello')!;
    expect(turn.parentSpanId).toBe(caller.spanId);
  });

  it('a turn without a caller trace starts its own', async () => {
    const session = (await api(runner.url, 'POST', '/api/sessions', { body: { graphId: 'hello' } }))
      .json as SessionInfo;
    await api(runner.url, 'POST', `/api/sessions/${session.id}/messages`, { body: { content: 'hi', wait: true } });
    await flushTraces();
    const turns = await otlp.waitFor((all) =>
      all.some((s) => s.attributes['switchboard.session.id'] === session.id && s.name === 'turn hello'),
    );
    const turn = turns.find((s) => s.attributes['switchboard.session.id'] === session.id)!;
    expect(turn.parentSpanId).toBeUndefined();
    expect(turn.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
