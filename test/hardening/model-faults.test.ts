import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { AgentEvent, MessageEvent, TurnEndEvent, WarningEvent } from '../../schemas/protocol.ts';
import {
  startFakeOpenAI,
  type FakeBehaviour,
  type FakeOpenAI,
  type RecordedRequest,
} from '../helpers/fake-openai-server.ts';
import { api, call, connect, ok, startTestRunner, type TestRunner } from '../integration/helpers.ts';
import { hostileCases, type ObservedError } from './harness/cases.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * Model faults through the real `openai` client against a local fake server: each must end the
 * turn with a clear event (turn_end with a reason and detail, or a warning) and leave a session
 * whose next turn completes normally.
 */
const KEY = 'sk-hardening-test';
const TIMEOUT_MS = 1_000;
let fake: FakeOpenAI;
let runner: TestRunner;
let socket: Socket;
let sessionId: string;
const echo = (request: RecordedRequest): FakeBehaviour => ({ content: `echo: ${lastUser(request)}` });
const lastUser = (request: RecordedRequest) =>
  [...request.body.messages].reverse().find((m: { role: string }) => m.role === 'user')?.content;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
  runner = await startTestRunner({ tenants: { local: { credentials: { fake: KEY } } } });
  const graph = echoGraph('gpt', {
    models: [
      {
        id: 'gpt',
        provider: 'openai',
        model: 'fake-model',
        baseUrl: fake.baseURL,
        credential: 'fake',
        timeoutMs: TIMEOUT_MS,
        maxRetries: 1,
      },
    ],
    agents: [
      {
        id: 'echo',
        type: 'echo',
        kind: 'assistant',
        config: { model: 'gpt', tools: ['calculator'], maxToolRounds: 3 },
      },
    ],
  });
  expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph } })).status).toBe(201);
  socket = await connect(runner.url);
  sessionId = ok(await call<{ session: { id: string } }>(socket, 'session:create', { graphId: 'gpt' })).session.id;
});
afterAll(async () => {
  socket?.disconnect();
  await runner?.stop();
  await fake?.close();
});

/** Sends one message and collects that turn's events until its turn_end. */
async function turn(content: string) {
  const events = { agents: [] as AgentEvent[], warnings: [] as WarningEvent[], outputs: [] as MessageEvent[] };
  let turnId: string | undefined;
  const early: TurnEndEvent[] = [];
  let resolveEnd!: (e: TurnEndEvent) => void;
  const ended = new Promise<TurnEndEvent>((r) => (resolveEnd = r));
  const onEnd = (e: TurnEndEvent) => (turnId === undefined ? early.push(e) : e.turnId === turnId && resolveEnd(e));
  const onAgent = (e: AgentEvent) => events.agents.push(e);
  const onWarning = (e: WarningEvent) => events.warnings.push(e);
  const onMessage = (m: MessageEvent) => m.output && events.outputs.push(m);
  socket.on('turn_end', onEnd).on('agent', onAgent).on('warning', onWarning).on('message', onMessage);
  try {
    turnId = ok(await call<{ turnId: string }>(socket, 'session:send', { sessionId, content })).turnId;
    for (const e of early) onEnd(e);
    const end = await ended;
    return {
      end,
      ...events,
      agents: events.agents.filter((a) => a.turnId === turnId),
      outputs: events.outputs.filter((m) => m.turnId === turnId),
    };
  } finally {
    socket.off('turn_end', onEnd).off('agent', onAgent).off('warning', onWarning).off('message', onMessage);
  }
}

interface Fault {
  /** Behaviours for the next requests, in order. */
  queue?: FakeBehaviour[];
  /** Behaviour for every request after the queue; the echo when absent. */
  always?: FakeBehaviour;
}

/** Runs a turn under the fault, then a normal turn that must complete: the session stays usable. */
async function underFault(fault: Fault): Promise<ObservedError> {
  fake.fallback = fault.always ? () => fault.always! : echo;
  fake.enqueue(...(fault.queue ?? []));
  const requestsBefore = fake.requests.length;
  const { end, agents, warnings, outputs } = await turn('under fault');
  // What the agent told the model about its tool calls during the faulty turn.
  const toolResults = fake.requests
    .slice(requestsBefore)
    .flatMap((r) => r.body.messages as { role: string; content: string }[])
    .filter((m) => m.role === 'tool')
    .map((m) => m.content);
  fake.fallback = echo;
  const after = await turn('after the fault');
  expect(after.end.reason, after.end.detail).toBe('completed');
  expect(after.outputs.map((m) => m.content)).toEqual(['echo: after the fault']);
  return {
    code: end.reason,
    message: end.detail ?? '',
    agentError: agents.find((a) => a.phase === 'error')?.error,
    warning: warnings[0]?.code,
    replied: outputs.length > 0,
    toolResult: toolResults[0],
  };
}

const hang: FakeBehaviour = { hang: true };
const toolCall = (args: string, name = 'calculator'): FakeBehaviour => ({ toolCalls: [{ name, arguments: args }] });
const reply = { content: 'a reply that never finishes arriving' };

describe('model faults end the turn clearly and leave a usable session', () => {
  hostileCases<Fault>(
    [
      {
        name: 'a model that never answers (timeout)',
        input: { always: hang },
        expect: {
          code: 'error',
          message: /no response within 1000 ms/,
          agentError: expect.stringMatching(/no response within 1000 ms/),
        },
      },
      {
        name: 'a burst of 429s past the retries',
        input: { always: { status: 429, retryAfterMs: 5 } },
        expect: { code: 'error', message: /rate limited \(HTTP 429\) after 1 retries/ },
      },
      {
        name: 'one 429, then an answer (retried)',
        input: { queue: [{ status: 429, retryAfterMs: 5 }] },
        expect: { code: 'completed', replied: true },
      },
      {
        name: 'persistent 500s',
        input: { always: { status: 500 } },
        expect: { code: 'error', message: /server error \(HTTP 500\) after 1 retries/ },
      },
      {
        name: 'one 503, then an answer (retried)',
        input: { queue: [{ status: 503, retryAfterMs: 5 }] },
        expect: { code: 'completed', replied: true },
      },
      {
        name: 'a stream cut mid-reply (socket destroyed)',
        input: { always: { truncate: 'destroy', reply, afterChunks: 2 } },
        expect: { code: 'error', message: /the stream broke off after \d+ characters/ },
      },
      {
        name: 'a stream that ends without a finish reason',
        input: { always: { truncate: 'end', reply, afterChunks: 2 } },
        expect: { code: 'error', message: /the stream ended before the model finished its reply$/ },
      },
      {
        name: 'a stream that stalls mid-reply',
        input: { always: { truncate: 'stall', reply, afterChunks: 2 } },
        expect: { code: 'error', message: /: no response within 1000 ms$/ },
      },
      {
        name: 'malformed tool-call JSON, then an answer',
        input: { queue: [toolCall('{"expression": ')] },
        expect: {
          code: 'completed',
          replied: true,
          toolResult: expect.stringMatching(/^Error: calculator: the arguments are not valid JSON/),
        },
      },
      {
        name: 'a call to a tool the agent does not have',
        input: { queue: [toolCall('{}', 'rm_rf')] },
        expect: {
          code: 'completed',
          replied: true,
          toolResult: 'Error: tool "rm_rf" is not enabled for this agent; enabled: calculator',
        },
      },
      {
        name: 'a model that never stops calling tools',
        input: { always: toolCall('{"expression":"1+1"}') },
        expect: { code: 'completed', warning: 'max_tool_rounds' },
      },
      {
        name: 'a model that never stops sending malformed tool calls',
        input: { always: toolCall('not json at all') },
        expect: { code: 'completed', warning: 'max_tool_rounds' },
      },
    ],
    underFault,
    'faults',
  );
});
