import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../schemas/protocol.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai-server.ts';
import { api, call, connect, exampleGraph, ok, startTestRunner, type TestRunner } from './helpers.ts';

/** Samples of the Prometheus text format: `name{labels} value`, labels as written. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m) samples.set(m[1]! + (m[2] ?? ''), Number(m[3]));
  }
  return samples;
}

/** The value of `name` with exactly these labels (in the order prom-client writes them). */
function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  const written = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return samples.get(written ? `${name}{${written}}` : name);
}

/** A one-agent graph like hello, whose agent is `agent`. */
function oneAgentGraph(id: string, models: unknown[], agent: Record<string, unknown>) {
  const hello = exampleGraph('hello');
  return {
    ...hello,
    id,
    models,
    agents: [{ id: 'worker', type: 'worker', label: 'Worker', ...agent }],
    subscriptions: [{ id: 'in', topic: 'inbox', agent: 'worker', kind: 'type' }],
    publications: [{ id: 'out', agent: 'worker', topic: 'reply' }],
    layout: undefined,
  };
}

describe('/metrics after known turns', () => {
  let runner: TestRunner;
  let fake: FakeOpenAI;
  const send = async (graphId: string, content: string) => {
    const session = (await api(runner.url, 'POST', '/api/sessions', { body: { graphId } })).json as SessionInfo;
    const sent = await api(runner.url, 'POST', `/api/sessions/${session.id}/messages`, {
      body: { content, wait: true },
    });
    expect(sent.status).toBe(200);
    return sent.json as { session: SessionInfo };
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    runner = await startTestRunner({ idleTimeoutMs: 300 });
    const gpt = {
      id: 'gpt',
      provider: 'openai',
      model: 'gpt-test',
      baseUrl: fake.baseURL,
      maxRetries: 1,
      timeoutMs: 500,
      pricing: { inputPerMillion: 2, outputPerMillion: 4 },
    };
    const graphs = [
      exampleGraph('research'),
      oneAgentGraph('chat', [gpt], { kind: 'assistant', config: { model: 'gpt' } }),
      oneAgentGraph('calc', [], { kind: 'tool', config: { tool: 'calculator' } }),
    ];
    for (const graph of graphs)
      expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph } })).status).toBe(201);
  });
  afterAll(async () => {
    await runner?.stop();
    await fake?.close();
  });

  it('turn duration by graph and end reason; tokens by tenant and model; store writes; tools', async () => {
    const first = await send('research', 'electric cargo bikes');
    const second = await send('research', 'solar roofs');
    const m = await scrape(runner.url);
    expect(sample(m, 'switchboard_turn_duration_seconds_count', { graph: 'research', reason: 'completed' })).toBe(2);
    expect(
      sample(m, 'switchboard_turn_duration_seconds_sum', { graph: 'research', reason: 'completed' }),
    ).toBeGreaterThan(0);
    // Two research turns, each: the lead twice (tools, then the brief), each researcher once.
    expect(
      sample(m, 'switchboard_model_call_duration_seconds_count', {
        model: 'lead-model',
        provider: 'switchboard.scripted',
      }),
    ).toBe(4);
    expect(
      sample(m, 'switchboard_model_call_duration_seconds_count', {
        model: 'market-model',
        provider: 'switchboard.scripted',
      }),
    ).toBe(2);
    const input = ['lead-model', 'market-model', 'tech-model'].reduce(
      (n, model) => n + sample(m, 'switchboard_model_tokens_total', { tenant: 'local', model, direction: 'input' })!,
      0,
    );
    const output = ['lead-model', 'market-model', 'tech-model'].reduce(
      (n, model) => n + sample(m, 'switchboard_model_tokens_total', { tenant: 'local', model, direction: 'output' })!,
      0,
    );
    expect(input).toBe(first.session.usage.promptTokens + second.session.usage.promptTokens);
    expect(output).toBe(first.session.usage.completionTokens + second.session.usage.completionTokens);
    expect(sample(m, 'switchboard_tool_call_duration_seconds_count', { tool: 'calculator' })).toBe(2);
    expect(sample(m, 'switchboard_tool_call_duration_seconds_count', { tool: 'current_time' })).toBe(2);
    expect(sample(m, 'switchboard_tool_call_errors_total', { tool: 'calculator' })).toBeUndefined();
    expect(
      sample(m, 'switchboard_store_write_duration_seconds_count', { store: 'lowdb', operation: 'putSession' }),
    ).toBeGreaterThanOrEqual(4);
    expect(
      sample(m, 'switchboard_store_write_duration_seconds_count', { store: 'lowdb', operation: 'putGraph' }),
    ).toBeUndefined(); // REST graph writes are not a session's
  });

  it('tokens and cost match the sessions, by tenant and model', async () => {
    fake.enqueue(
      { content: 'one', usage: { promptTokens: 100, completionTokens: 20 } },
      { content: 'two', usage: { promptTokens: 50, completionTokens: 10 } },
    );
    const a = await send('chat', 'first');
    const b = await send('chat', 'second');
    const m = await scrape(runner.url);
    expect(a.session.usage.promptTokens + b.session.usage.promptTokens).toBe(150);
    expect(
      sample(m, 'switchboard_model_tokens_total', { tenant: 'local', model: 'gpt-test', direction: 'input' }),
    ).toBe(150);
    expect(
      sample(m, 'switchboard_model_tokens_total', { tenant: 'local', model: 'gpt-test', direction: 'output' }),
    ).toBe(30);
    expect(sample(m, 'switchboard_model_cost_total', { tenant: 'local' })).toBeCloseTo(
      a.session.usage.cost + b.session.usage.cost,
      12,
    );
    expect(sample(m, 'switchboard_model_cost_total', { tenant: 'local' })).toBeCloseTo((150 * 2 + 30 * 4) / 1e6, 12);
  });

  it('a model that answers 429 then succeeds: one call, one 429; then a 5xx; then a timeout', async () => {
    const before = await scrape(runner.url);
    const calls =
      sample(before, 'switchboard_model_call_duration_seconds_count', { model: 'gpt-test', provider: 'openai' }) ?? 0;
    fake.enqueue({ status: 429, retryAfterMs: 5 }, { content: 'after the 429' });
    await send('chat', 'throttled');
    let m = await scrape(runner.url);
    expect(sample(m, 'switchboard_model_call_duration_seconds_count', { model: 'gpt-test', provider: 'openai' })).toBe(
      calls + 1,
    );
    expect(
      sample(m, 'switchboard_model_call_errors_total', { model: 'gpt-test', provider: 'openai', kind: '429' }),
    ).toBe(1);
    expect(
      sample(m, 'switchboard_model_call_errors_total', { model: 'gpt-test', provider: 'openai', kind: '5xx' }),
    ).toBeUndefined();

    fake.enqueue({ status: 503, retryAfterMs: 5 }, { content: 'after the 503' });
    await send('chat', 'flaky');
    fake.enqueue({ hang: true }, { hang: true });
    const timedOut = await send('chat', 'slow');
    expect(timedOut.session.state).toBe('idle');
    m = await scrape(runner.url);
    expect(
      sample(m, 'switchboard_model_call_errors_total', { model: 'gpt-test', provider: 'openai', kind: '5xx' }),
    ).toBe(1);
    expect(
      sample(m, 'switchboard_model_call_errors_total', { model: 'gpt-test', provider: 'openai', kind: 'timeout' }),
    ).toBe(1);
    expect(sample(m, 'switchboard_model_call_duration_seconds_count', { model: 'gpt-test', provider: 'openai' })).toBe(
      calls + 2,
    );
    expect(sample(m, 'switchboard_turn_duration_seconds_count', { graph: 'chat', reason: 'error' })).toBe(1);
  });

  it('tool errors by tool', async () => {
    await send('calc', '1/0');
    await send('calc', '6*7');
    const m = await scrape(runner.url);
    expect(sample(m, 'switchboard_tool_call_errors_total', { tool: 'calculator' })).toBe(1);
    expect(sample(m, 'switchboard_tool_call_duration_seconds_count', { tool: 'calculator' })).toBe(4); // 2 research turns + these 2
  });

  describe('sessions created, closed and timed out', () => {
    let socket: Socket;
    beforeAll(async () => (socket = await connect(runner.url)));
    afterAll(() => socket?.disconnect());

    it('counts each', async () => {
      const before = await scrape(runner.url);
      const created = sample(before, 'switchboard_sessions_created_total')!;
      // A session a client listens to stays in memory; its agents are freed after the idle timeout (300 ms).
      const { session } = ok(await call<{ session: SessionInfo }>(socket, 'session:create', { graphId: 'research' }));
      ok(await call(socket, 'session:send', { sessionId: session.id, content: 'wind farms' }));
      const other = (await api(runner.url, 'POST', '/api/sessions', { body: { graphId: 'research' } }))
        .json as SessionInfo;
      expect((await api(runner.url, 'POST', `/api/sessions/${other.id}/close`)).status).toBe(200);
      const until = Date.now() + 10_000;
      let m = await scrape(runner.url);
      while ((sample(m, 'switchboard_sessions_timed_out_total') ?? 0) < 1 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        m = await scrape(runner.url);
      }
      expect(sample(m, 'switchboard_sessions_created_total')).toBe(created + 2);
      expect(sample(m, 'switchboard_sessions_closed_total')).toBe(
        (sample(before, 'switchboard_sessions_closed_total') ?? 0) + 1,
      );
      expect(sample(m, 'switchboard_sessions_timed_out_total')).toBe(
        (sample(before, 'switchboard_sessions_timed_out_total') ?? 0) + 1,
      );
    });
  });

  it('labels hold no session or user ids', async () => {
    const text = await (await fetch(`${runner.url}/metrics`)).text();
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });
});
