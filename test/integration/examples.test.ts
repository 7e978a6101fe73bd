import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputRequestEvent, MessageEvent, SessionInfo, TurnEndEvent } from '../../schemas/protocol.ts';
import { api, call, connect, exampleGraph, EXAMPLES, ok, runCli, startTestRunner, type TestRunner } from './helpers.ts';

/** What each example needs to show it works on the scripted model. */
const CASES = [
  { name: 'hello', message: 'hi there', expectOutput: 'Switchboard greeter' },
  { name: 'support', message: 'I need a refund for a double charge', expectOutput: 'R-1042' },
  {
    name: 'writer-critic',
    message: 'a tagline for Switchboard',
    expectOutput: 'APPROVED',
    reasons: ['terminated', 'completed'],
  },
  { name: 'research', message: 'electric cargo bikes', expectOutput: 'Research brief' },
  { name: 'approval', message: 'dark mode', reply: 'approve', expectSender: 'publisher' },
] as const;

type Case = (typeof CASES)[number];
const okReasons = (c: Case): readonly string[] => ('reasons' in c ? c.reasons : ['completed']);

function checkOutputs(c: Case, messages: MessageEvent[]) {
  const outputs = messages.filter((m) => m.output && m.sender !== 'user');
  expect(outputs.length).toBeGreaterThan(0);
  if ('expectOutput' in c) expect(outputs.map((m) => m.content).join('\n')).toContain(c.expectOutput);
  if ('expectSender' in c) expect(outputs.map((m) => m.sender)).toContain(c.expectSender);
}

describe('every example runs on the scripted model', () => {
  describe.each(CASES)('from the CLI: $name', (c) => {
    it('prints the event stream as JSON lines and exits 0', async () => {
      const args = [
        'run',
        `${EXAMPLES}/${c.name}.json`,
        '--message',
        c.message,
        '--json',
        ...('reply' in c ? ['--reply', c.reply] : []),
      ];
      const result = await runCli(args);
      expect(result.code, result.stderr).toBe(0);
      const events = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string } & Record<string, unknown>);
      const ends = events.filter((e) => e.event === 'turn_end') as unknown as TurnEndEvent[];
      expect(ends).toHaveLength(1);
      expect(okReasons(c)).toContain(ends[0].reason);
      checkOutputs(c, events.filter((e) => e.event === 'message') as unknown as MessageEvent[]);
    });
  });

  it('prints a readable stream without --json', async () => {
    const result = await runCli(['run', `${EXAMPLES}/hello.json`, '--message', 'hi', '--message', 'bye']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Switchboard greeter');
    expect(result.stdout).toContain('Goodbye');
    expect(result.stdout.match(/turn ended: completed/g)).toHaveLength(2);
  });

  describe('over Socket.IO', () => {
    let runner: TestRunner;
    let socket: Socket;
    beforeAll(async () => {
      runner = await startTestRunner();
      for (const c of CASES)
        expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph: exampleGraph(c.name) } })).status).toBe(
          201,
        );
      socket = await connect(runner.url);
    });
    afterAll(async () => {
      socket.disconnect();
      await runner.stop();
    });

    it.each(CASES)('$name', async (c) => {
      const { session } = ok(await call<{ session: SessionInfo }>(socket, 'session:create', { graphId: c.name }));
      const messages: MessageEvent[] = [];
      const onMessage = (m: MessageEvent) => m.sessionId === session.id && messages.push(m);
      socket.on('message', onMessage);
      const onInput = (r: InputRequestEvent) => {
        if (r.sessionId === session.id && 'reply' in c)
          void call(socket, 'session:input', { sessionId: session.id, requestId: r.requestId, content: c.reply });
      };
      socket.on('input_request', onInput);
      // A graph with a start topic is in its greeting turn already: the message's own turn counts.
      const ends: TurnEndEvent[] = [];
      const onEnd = (e: TurnEndEvent) => e.sessionId === session.id && ends.push(e);
      socket.on('turn_end', onEnd);
      const { turnId } = ok(
        await call<{ turnId: string }>(socket, 'session:send', { sessionId: session.id, content: c.message }),
      );
      await expect.poll(() => ends.find((e) => e.turnId === turnId), { timeout: 30_000 }).toBeDefined();
      expect(okReasons(c)).toContain(ends.find((e) => e.turnId === turnId)!.reason);
      socket.off('message', onMessage);
      socket.off('input_request', onInput);
      socket.off('turn_end', onEnd);
      checkOutputs(
        c,
        messages.filter((m) => m.turnId === turnId),
      );
    });
  });
});

describe('switchboard validate', () => {
  it('accepts every example and exits 0', async () => {
    const result = await runCli(['validate', ...CASES.map((c) => `${EXAMPLES}/${c.name}.json`)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout.match(/^ok: /gm)).toHaveLength(CASES.length);
  });

  it('prints problems with JSON paths and exits non-zero', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'sb-validate-'));
    try {
      const file = join(dir, 'broken.json');
      writeFileSync(file, JSON.stringify({ ...exampleGraph('hello'), entry: 'missing-topic' }));
      const result = await runCli(['validate', file]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/broken\.json: error \/entry: /);
      const notJson = join(dir, 'not.json');
      writeFileSync(notJson, '{ nope');
      const bad = await runCli(['validate', notJson]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(
        /not\.json cannot be read as a graph: error \/: invalid JSON at line 1, column 3 .*\[invalid_json\]/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
