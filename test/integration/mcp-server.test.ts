import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { echoGraph } from '../hardening/fixtures/graphs.ts';
import { startFakeOpenAI } from '../helpers/fake-openai-server.ts';
import { api, exampleGraph, startTestRunner, type TestRunner } from './helpers.ts';

const ACME = 'acme-token-0123456789';
const GLOBEX = 'globex-token-0123456789';
const HELLO = 'Hello! I am the Switchboard greeter. Ask me anything.';
const DRAFT = 'Draft announcement: "dark mode" is now available to every customer, starting today.';
const QUESTION = 'Approve this draft? Answer "approve", or "reject" followed by what to change.';

/** The SDK's own client on /mcp of the runner, as Claude Desktop or Cursor would connect. */
async function mcpClient(
  url: string,
  options: { token?: string; headers?: Record<string, string>; elicit?: (message: string) => string | undefined } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } });
  const client = new Client(
    { name: 'switchboard-test', version: '1.0.0' },
    { capabilities: options.elicit ? { elicitation: {} } : {} },
  );
  const asked: string[] = [];
  if (options.elicit) {
    const answer = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      const text = answer(request.params.message);
      return text === undefined ? { action: 'decline' } : { action: 'accept', content: { answer: text } };
    });
  }
  await client.connect(transport);
  return { client, transport, asked };
}

const textOf = (result: Awaited<ReturnType<Client['callTool']>>) =>
  (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('');
const sessionOf = (result: Awaited<ReturnType<Client['callTool']>>) =>
  (result.structuredContent as { session: string }).session;

describe('/mcp: every graph as an MCP tool, with the SDK client', () => {
  let runner: TestRunner;
  const open: Client[] = [];
  const connect = async (options: Parameters<typeof mcpClient>[1]) => {
    const c = await mcpClient(runner.url, options);
    open.push(c.client);
    return c;
  };

  beforeAll(async () => {
    runner = await startTestRunner({
      tokens: [
        { token: ACME, tenant: 'acme' },
        { token: GLOBEX, tenant: 'globex' },
      ],
      mcp: { allowedOrigins: ['https://app.example.com'] },
    });
    for (const name of ['hello', 'support', 'approval']) {
      expect(
        (await api(runner.url, 'POST', '/api/graphs', { token: ACME, body: { graph: exampleGraph(name) } })).status,
      ).toBe(201);
    }
    expect(
      (await api(runner.url, 'POST', '/api/graphs', { token: GLOBEX, body: { graph: exampleGraph('writer-critic') } }))
        .status,
    ).toBe(201);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(() => runner.stop());

  it("lists one tool per graph of the caller's tenant", async () => {
    const { client } = await connect({ token: ACME });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['approval', 'hello', 'support']);
    const approval = tools.find((t) => t.name === 'approval')!;
    expect(approval.title).toBe('Human approval');
    expect(approval.description).toContain('Human in the loop');
    expect(approval.inputSchema).toMatchObject({
      type: 'object',
      properties: { message: { type: 'string' }, session: { type: 'string' } },
      required: ['message'],
    });
  });

  it("runs one turn per call and returns the output topic's messages as text", async () => {
    const { client } = await connect({ token: ACME });
    const result = await client.callTool({ name: 'hello', arguments: { message: 'hello' } });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe(HELLO);
    expect(result.structuredContent).toEqual({
      session: expect.stringMatching(/^[0-9a-f-]{36}$/),
      waitingForAnswer: false,
    });
  });

  it('continues one conversation per graph across calls of an MCP session, and by session id from another', async () => {
    const { client } = await connect({ token: ACME });
    const first = await client.callTool({ name: 'support', arguments: { message: 'I want a refund for last month' } });
    expect(textOf(first)).toContain('refund request R-1042');
    const second = await client.callTool({ name: 'support', arguments: { message: 'I cannot log in' } });
    expect(textOf(second)).toContain('Forgot password');
    const session = sessionOf(first);
    expect(sessionOf(second)).toBe(session);

    // Another graph in the same MCP session gets its own conversation.
    expect(sessionOf(await client.callTool({ name: 'hello', arguments: { message: 'hi' } }))).not.toBe(session);

    // A new MCP session passes the id on purpose and continues the same conversation.
    const { client: later } = await connect({ token: ACME });
    const third = await later.callTool({ name: 'support', arguments: { message: 'thanks', session } });
    expect(sessionOf(third)).toBe(session);
    const transcript = await api(runner.url, 'GET', `/api/sessions/${session}/transcript`, { token: ACME });
    const said = transcript.json.messages
      .filter((m: { sender: string }) => m.sender === 'user')
      .map((m: { content: string }) => m.content);
    expect(said).toEqual(['I want a refund for last month', 'I cannot log in', 'thanks']);
  });

  it('sends the streamed answer as progress notifications when the client asks for progress', async () => {
    const { client } = await connect({ token: ACME });
    const progress: Array<{ progress: number; message?: string }> = [];
    const result = await client.callTool({ name: 'hello', arguments: { message: 'hello' } }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.map((p) => p.message).join('')).toBe(textOf(result));
    for (let i = 1; i < progress.length; i++) expect(progress[i].progress).toBeGreaterThan(progress[i - 1].progress);
  });

  it("asks the approval graph's question as an elicitation when the client declared it", async () => {
    const { client, asked } = await connect({ token: ACME, elicit: () => 'approve' });
    const result = await client.callTool({ name: 'approval', arguments: { message: 'dark mode' } });
    expect(asked).toEqual([`${QUESTION}\n\n${DRAFT}`]);
    expect(textOf(result)).toBe(
      `${DRAFT}\n\nPublished: the approved announcement is now on the blog and in the newsletter queue.`,
    );
    expect(result.structuredContent).toMatchObject({ waitingForAnswer: false });
    const info = await api(runner.url, 'GET', `/api/sessions/${sessionOf(result)}`, { token: ACME });
    expect(info.json).toMatchObject({ state: 'idle', turns: 1 });
  });

  it('returns the question as text without elicitation (or when declined), and the next call answers it', async () => {
    for (const options of [{ token: ACME }, { token: ACME, elicit: () => undefined }]) {
      const { client } = await connect(options);
      const asked = await client.callTool({ name: 'approval', arguments: { message: 'dark mode' } });
      expect(textOf(asked)).toBe(`${DRAFT}\n\n${QUESTION}`);
      expect(asked.structuredContent).toMatchObject({ waitingForAnswer: true });
      const answered = await client.callTool({ name: 'approval', arguments: { message: 'approve' } });
      expect(textOf(answered)).toContain('Published');
      expect(sessionOf(answered)).toBe(sessionOf(asked));
    }
  });

  it('leaves a question open that /v1 can answer, since the session holds it', async () => {
    const { client } = await connect({ token: ACME });
    const asked = await client.callTool({ name: 'approval', arguments: { message: 'dark mode' } });
    expect(asked.structuredContent).toMatchObject({ waitingForAnswer: true });
    const answered = await api(runner.url, 'POST', '/v1/chat/completions', {
      token: ACME,
      headers: { 'x-switchboard-session': sessionOf(asked) },
      body: { model: 'approval', messages: [{ role: 'user', content: 'approve' }] },
    });
    expect(answered.json.choices[0].message.content).toContain('Published');
  });

  it('aborts the turn when the client cancels the call', async () => {
    let elicited!: () => void;
    const asked = new Promise<void>((ok) => (elicited = ok));
    const transport = new StreamableHTTPClientTransport(new URL(`${runner.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${ACME}` } },
    });
    const client = new Client({ name: 'switchboard-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    // The person never answers: the handler waits until the request is cancelled.
    client.setRequestHandler(ElicitRequestSchema, (_request, extra) => {
      elicited();
      return new Promise((_ok, fail) => extra.signal.addEventListener('abort', () => fail(new Error('cancelled'))));
    });
    await client.connect(transport);
    open.push(client);
    const before = new Set(
      (await api(runner.url, 'GET', '/api/sessions?graphId=approval', { token: ACME })).json.sessions.map(
        (s: { id: string }) => s.id,
      ),
    );
    const cancel = new AbortController();
    const call = client.callTool({ name: 'approval', arguments: { message: 'dark mode' } }, undefined, {
      signal: cancel.signal,
    });
    await asked;
    cancel.abort();
    await expect(call).rejects.toThrow();
    const sessions = (await api(runner.url, 'GET', '/api/sessions?graphId=approval', { token: ACME })).json
      .sessions as Array<{ id: string }>;
    const mine = sessions.filter((s) => !before.has(s.id));
    expect(mine).toHaveLength(1);
    await expect
      .poll(async () => (await api(runner.url, 'GET', `/api/sessions/${mine[0].id}`, { token: ACME })).json.state)
      .toBe('idle');
    const transcript = await api(runner.url, 'GET', `/api/sessions/${mine[0].id}/transcript`, { token: ACME });
    expect(transcript.json.messages.map((m: { sender: string }) => m.sender)).toEqual(['user', 'drafter']);
  });

  it("neither lists nor runs another tenant's graphs, nor lets another token use its sessions", async () => {
    const { client: acme, transport } = await connect({ token: ACME });
    const mine = await acme.callTool({ name: 'hello', arguments: { message: 'hello' } });
    const { client: globex } = await connect({ token: GLOBEX });
    expect((await globex.listTools()).tools.map((t) => t.name)).toEqual(['writer-critic']);

    const refused = (call: Promise<unknown>) =>
      expect(call).rejects.toSatisfy((e) => e instanceof McpError && e.code === ErrorCode.InvalidParams);
    await refused(globex.callTool({ name: 'hello', arguments: { message: 'hello' } }));
    await refused(globex.callTool({ name: 'writer-critic', arguments: { message: 'x', session: sessionOf(mine) } }));
    await refused(acme.callTool({ name: 'no-such-graph', arguments: { message: 'x' } }));
    await refused(acme.callTool({ name: 'hello', arguments: {} }));

    // Acme's MCP session id with Globex's token: as unknown as a made-up id.
    const stolen = await api(runner.url, 'POST', '/mcp', {
      token: GLOBEX,
      headers: {
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '2025-06-18',
      },
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    expect(stolen.status).toBe(404);
    expect(stolen.json.error.code).toBe(-32001);
    expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(mcpClient(runner.url, {})).rejects.toThrow(/401|Unauthorized/i);
  });

  it('refuses a foreign Origin and accepts a configured one', async () => {
    await expect(
      mcpClient(runner.url, { token: ACME, headers: { origin: 'http://evil.example.com' } }),
    ).rejects.toThrow(/403|Origin/);
    const raw = await api(runner.url, 'POST', '/mcp', {
      token: ACME,
      headers: { origin: 'http://evil.example.com', accept: 'application/json, text/event-stream' },
      body: {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      },
    });
    expect(raw.status).toBe(403);
    expect(raw.json.error.message).toContain('mcp.allowedOrigins');
    const { client } = await connect({ token: ACME, headers: { origin: 'https://app.example.com' } });
    expect((await client.listTools()).tools).toHaveLength(3);

    // A page on that origin: the preflight passes without a token, the session id is readable.
    const preflight = await api(runner.url, 'OPTIONS', '/mcp', {
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, mcp-session-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Mcp-Session-Id/);
    const page = await api(runner.url, 'POST', '/mcp', {
      token: ACME,
      headers: { origin: 'https://app.example.com', accept: 'application/json, text/event-stream' },
      body: {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'page', version: '1' } },
      },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('access-control-expose-headers')).toBe('Mcp-Session-Id');
    expect(page.headers.get('mcp-session-id')).toBeTruthy();
    expect((await api(runner.url, 'OPTIONS', '/mcp', { headers: { origin: 'http://evil.example.com' } })).status).toBe(
      403,
    );
  });
});

describe('/mcp session limits', () => {
  it("refuses an initialize beyond the tenant's open sessions, and makes room by closing idle ones", async () => {
    const runner = await startTestRunner({
      tokens: [{ token: ACME, tenant: 'acme' }],
      mcp: { maxSessionsPerTenant: 1 },
      idleTimeoutMs: 1_000,
    });
    try {
      const first = await mcpClient(runner.url, { token: ACME });
      await expect(mcpClient(runner.url, { token: ACME })).rejects.toThrow(/429|too many open MCP sessions/);
      // Ended on purpose (DELETE), the session frees its place at once.
      await first.transport.terminateSession();
      await first.client.close();
      const second = await mcpClient(runner.url, { token: ACME });
      await new Promise((ok) => setTimeout(ok, 1_200));
      // Idle longer than idleTimeoutMs: closed when the tenant needs room.
      const third = await mcpClient(runner.url, { token: ACME });
      await expect(second.client.listTools()).rejects.toThrow(/MCP session not found/);
      expect((await third.client.listTools()).tools).toEqual([]);
      await Promise.all([second.client.close(), third.client.close()]);
    } finally {
      await runner.stop();
    }
  });
});

describe('/mcp when a turn fails', () => {
  it('returns a tool error naming how the turn ended, and the next call works', async () => {
    const fake = await startFakeOpenAI();
    const runner = await startTestRunner({ tenants: { local: { credentials: { fake: 'sk-fake-key' } } } });
    try {
      const graph = echoGraph('gpt', {
        models: [
          {
            id: 'gpt',
            provider: 'openai',
            model: 'fake-model',
            baseUrl: fake.baseURL,
            credential: 'fake',
            maxRetries: 0,
          },
        ],
        agents: [{ id: 'echo', type: 'echo', kind: 'assistant', config: { model: 'gpt' } }],
      });
      expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph } })).status).toBe(201);
      const { client } = await mcpClient(runner.url);
      fake.enqueue({ status: 400, message: 'the model refuses' });
      const failed = await client.callTool({ name: 'gpt', arguments: { message: 'hello' } });
      expect(failed.isError).toBe(true);
      expect(textOf(failed)).toMatch(/^The turn ended early \(error: .+\)\.$/);
      const ok = await client.callTool({ name: 'gpt', arguments: { message: 'hello again' } });
      expect(ok.isError).toBeFalsy();
      expect(textOf(ok)).toBe('echo: hello again');
      await client.close();
    } finally {
      await runner.stop();
      await fake.close();
    }
  });
});
