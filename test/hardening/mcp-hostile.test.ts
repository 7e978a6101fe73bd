import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestRunner, type TestRunner } from '../integration/helpers.ts';
import { hostileCases, type ObservedError } from './harness/cases.ts';
import { echoGraph } from './fixtures/graphs.ts';

/**
 * Hostile requests against /mcp of a real runner on loopback, two tenants: raw HTTP for what
 * arrives before an MCP session handles it, the SDK client for hostile tool calls inside one.
 * Every refusal is a JSON-RPC error with a status and a message that says what is wrong, and the
 * runner keeps serving.
 */
const ACME = 'acme-token-0123456789abcdef';
const GLOBEX = 'globex-token-0123456789abcdef';
const PROTOCOL = '2025-06-18';
const ACCEPT = 'application/json, text/event-stream';

/** JSON-RPC error codes by name, so expectations read as what happened. */
const CODES: Record<number, string> = {
  [-32700]: 'parse_error',
  [-32600]: 'invalid_request',
  [-32601]: 'method_not_found',
  [-32602]: 'invalid_params',
  [-32603]: 'internal_error',
  [-32000]: 'refused',
  [-32001]: 'session_not_found',
};

let runner: TestRunner;
let acme: { client: Client; transport: StreamableHTTPClientTransport };
let acmeEchoSession: string;
let globexSession: string;

async function connect(token: string) {
  const transport = new StreamableHTTPClientTransport(new URL(`${runner.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'hostile', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

beforeAll(async () => {
  runner = await startTestRunner({
    tokens: [
      { token: ACME, tenant: 'acme' },
      { token: GLOBEX, tenant: 'globex' },
    ],
    limits: { bodyBytes: 100_000 },
  });
  for (const [token, id] of [
    [ACME, 'echo'],
    [ACME, 'other'],
    [GLOBEX, 'secret'],
  ] as const) {
    const created = await api(runner.url, 'POST', '/api/graphs', { token, body: { graph: echoGraph(id) } });
    expect(created.status, created.text).toBe(201);
  }
  acme = await connect(ACME);
  const result = await acme.client.callTool({ name: 'echo', arguments: { message: 'hi' } });
  acmeEchoSession = (result.structuredContent as { session: string }).session;
  globexSession = (await api(runner.url, 'POST', '/api/sessions', { token: GLOBEX, body: { graphId: 'secret' } })).json
    .id;
});
afterAll(async () => {
  await acme?.client.close();
  await runner?.stop();
});

interface HttpRequest {
  method?: string;
  token?: string | null;
  /** Sends acme's open MCP session id. */
  inSession?: boolean;
  sessionId?: string;
  body?: unknown;
  raw?: string | (() => string);
  headers?: Record<string, string>;
}

async function httpRefusal(request: HttpRequest): Promise<ObservedError> {
  const headers: Record<string, string> = { accept: ACCEPT, 'mcp-protocol-version': PROTOCOL, ...request.headers };
  const sessionId = request.sessionId ?? (request.inSession ? acme.transport.sessionId : undefined);
  if (sessionId) headers['mcp-session-id'] = sessionId;
  const token = request.token === null ? undefined : (request.token ?? ACME);
  const raw = typeof request.raw === 'function' ? request.raw() : request.raw;
  const res = await api(runner.url, request.method ?? 'POST', '/mcp', { token, body: request.body, raw, headers });
  if (res.status < 400) return undefined;
  const error = res.json?.error;
  expect(error, res.text).toBeDefined();
  const code = typeof error.code === 'number' ? (CODES[error.code] ?? String(error.code)) : error.code;
  return { status: res.status, code, message: error.message };
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'x', version: '1' } },
};
const toolsList = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
const bigCall = () =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 3,
    method: 'tools/call',
    params: { name: 'echo', arguments: { message: 'x'.repeat(200_000) } },
  });

describe('hostile HTTP requests to /mcp', () => {
  hostileCases<HttpRequest>(
    [
      {
        name: 'malformed JSON-RPC (not JSON)',
        input: { inSession: true, raw: '{"jsonrpc": "2.0", "method": ' },
        expect: { status: 400, code: 'parse_error', message: /^request body is not valid JSON/ },
      },
      {
        name: 'a bare JSON string',
        input: { inSession: true, raw: '"tools/list"' },
        expect: { status: 400, code: 'parse_error' },
      },
      {
        name: 'JSON that is not a JSON-RPC message',
        input: { inSession: true, body: { hello: 'world' } },
        expect: { status: 400, code: 'parse_error' },
      },
      {
        name: 'a request with no session and no initialize',
        input: { body: toolsList },
        expect: { status: 400, code: 'invalid_request', message: /missing mcp-session-id header/ },
      },
      {
        name: 'a made-up session id',
        input: { sessionId: 'x'.repeat(43), body: toolsList },
        expect: { status: 404, code: 'session_not_found' },
      },
      {
        name: "another tenant's session id",
        input: { token: GLOBEX, inSession: true, body: toolsList },
        expect: { status: 404, code: 'session_not_found' },
      },
      {
        name: 'body over the size limit',
        input: { inSession: true, raw: bigCall },
        expect: { status: 413, code: 'invalid_request', message: 'request body is larger than 100000 bytes' },
      },
      { name: 'no token', input: { token: null, body: initialize }, expect: { status: 401, code: 'unauthorized' } },
      {
        name: 'an unknown token',
        input: { token: 'not-a-token-0123456789abcdef', body: initialize },
        expect: { status: 401, code: 'unauthorized' },
      },
      {
        name: 'a foreign Origin',
        input: { headers: { origin: 'http://evil.example.com' }, body: initialize },
        expect: { status: 403, code: 'refused', message: /Origin "http:\/\/evil.example.com" is not allowed/ },
      },
      {
        name: 'an Origin that is not a URL',
        input: { headers: { origin: 'null' }, body: initialize },
        expect: { status: 403, code: 'refused' },
      },
      {
        name: 'text/plain body',
        input: { inSession: true, raw: JSON.stringify(toolsList), headers: { 'content-type': 'text/plain' } },
        expect: { status: 415, code: 'refused', message: /Content-Type must be application\/json/ },
      },
      {
        name: 'Accept without event streams',
        input: { inSession: true, body: toolsList, headers: { accept: 'application/json' } },
        expect: { status: 406, code: 'refused', message: /must accept both/ },
      },
      {
        name: 'an unsupported protocol version',
        input: { inSession: true, body: toolsList, headers: { 'mcp-protocol-version': '1999-01-01' } },
        expect: { status: 400, code: 'refused', message: /Unsupported protocol version/ },
      },
      {
        name: 'initialize again on an open session',
        input: { inSession: true, body: initialize },
        expect: { status: 400, code: 'invalid_request' },
      },
      { name: 'GET without a session', input: { method: 'GET' }, expect: { status: 400, code: 'invalid_request' } },
      { name: 'PUT', input: { method: 'PUT', body: toolsList }, expect: { status: 405, code: 'refused' } },
    ],
    httpRefusal,
  );
});

interface ToolCall {
  name: string;
  arguments?: Record<string, unknown>;
}

async function toolRefusal(call: ToolCall | (() => ToolCall)): Promise<ObservedError> {
  const { name, arguments: args } = typeof call === 'function' ? call() : call;
  try {
    await acme.client.callTool({ name, arguments: args });
    return undefined;
  } catch (e) {
    if (!(e instanceof McpError)) throw e;
    return { code: CODES[e.code] ?? String(e.code), message: e.message };
  }
}

describe('hostile tool calls in an MCP session', () => {
  hostileCases<ToolCall | (() => ToolCall)>(
    [
      {
        name: 'an unknown tool',
        input: { name: 'no-such-graph', arguments: { message: 'x' } },
        expect: { code: 'invalid_params', message: /unknown tool "no-such-graph"/ },
      },
      {
        name: "another tenant's graph",
        input: { name: 'secret', arguments: { message: 'x' } },
        expect: { code: 'invalid_params', message: /unknown tool "secret"/ },
      },
      {
        name: 'a tool name with a path in it',
        input: { name: '../../etc/passwd', arguments: { message: 'x' } },
        expect: { code: 'invalid_params', message: /unknown tool/ },
      },
      {
        name: 'no message',
        input: { name: 'echo', arguments: {} },
        expect: { code: 'invalid_params', message: /\/message/ },
      },
      {
        name: 'an empty message',
        input: { name: 'echo', arguments: { message: '' } },
        expect: { code: 'invalid_params', message: /must not be empty/ },
      },
      {
        name: 'a message that is not a string',
        input: { name: 'echo', arguments: { message: { $gt: '' } } },
        expect: { code: 'invalid_params', message: /\/message/ },
      },
      {
        name: 'an unknown argument',
        input: { name: 'echo', arguments: { message: 'x', admin: true } },
        expect: { code: 'invalid_params', message: /admin/ },
      },
      {
        name: 'a malformed session id',
        input: { name: 'echo', arguments: { message: 'x', session: '../../x' } },
        expect: { code: 'invalid_params', message: /argument "session": malformed session id/ },
      },
      {
        name: 'an unknown session id',
        input: () => ({ name: 'echo', arguments: { message: 'x', session: randomUUID() } }),
        expect: { code: 'invalid_params', message: /argument "session":.*not found/ },
      },
      {
        name: "another tenant's session id",
        input: () => ({ name: 'echo', arguments: { message: 'x', session: globexSession } }),
        expect: { code: 'invalid_params', message: /argument "session":.*not found/ },
      },
      {
        name: "another graph's session id",
        input: () => ({ name: 'other', arguments: { message: 'x', session: acmeEchoSession } }),
        expect: { code: 'invalid_params', message: /runs graph "echo", not "other"/ },
      },
    ],
    toolRefusal,
  );

  it('keeps serving the same MCP session afterwards', async () => {
    const result = await acme.client.callTool({ name: 'echo', arguments: { message: 'still here' } });
    expect(result.content).toEqual([{ type: 'text', text: 'echo: still here' }]);
    expect((result.structuredContent as { session: string }).session).toBe(acmeEchoSession);
  });
});
