import { describe, expect, it } from 'vitest';
import type { InputRequestEvent, MessageEvent } from '../../schemas/protocol.ts';
import { api, call, connect, nextEvent } from '../integration/helpers.ts';
import { echoGraph } from './fixtures/graphs.ts';
import { count } from './harness/tally.ts';
import { killableRunner, type SpawnedRunner } from './helpers/killable-runner.ts';

/**
 * kill -9 of a spawned runner right after it acknowledged an answer to an input request, over
 * Socket.IO and over REST in turn. The answer goes on to a second question, so the turn is still
 * running when the process dies: only the reply itself can have stored the answer. After the
 * restart it must be in the transcript, once.
 */
const RUNS = 6;
const runner = killableRunner('hardening-input-kill9-');
let server: SpawnedRunner;

/** in → approve (asks the person) → approved → confirm (asks again) → out. */
const twoQuestions = echoGraph('two-questions', {
  agents: [
    { id: 'approve', type: 'approve', kind: 'user', config: { prompt: 'Approve?', timeoutMs: 600_000 } },
    { id: 'confirm', type: 'confirm', kind: 'user', config: { prompt: 'Sure?', timeoutMs: 600_000 } },
  ],
  topics: [
    { id: 'in', type: 'in' },
    { id: 'approved', type: 'approved' },
    { id: 'out', type: 'out' },
  ],
  subscriptions: [
    { id: 's1', topic: 'in', agent: 'approve' },
    { id: 's2', topic: 'approved', agent: 'confirm' },
  ],
  publications: [
    { id: 'p1', agent: 'approve', topic: 'approved' },
    { id: 'p2', agent: 'confirm', topic: 'out' },
  ],
});

describe('kill -9 right after an input answer is acknowledged', () => {
  it(
    `${RUNS} kills: every acknowledged answer is in the transcript after the restart, once`,
    { timeout: 600_000 },
    async () => {
      server = await runner.start();
      expect((await api(server.url, 'POST', '/api/graphs', { body: { graph: twoQuestions } })).status).toBe(201);

      for (let run = 0; run < RUNS; run++) {
        const overRest = run % 2 === 1;
        const sessionId: string = (
          await api(server.url, 'POST', '/api/sessions', { body: { graphId: 'two-questions' } })
        ).json.id;
        const socket = await connect(server.url);
        expect((await call(socket, 'session:join', { sessionId })).ok).toBe(true);
        const asked = nextEvent(socket, 'input_request', (r: InputRequestEvent) => r.agent === 'approve');
        expect((await call(socket, 'session:send', { sessionId, content: `question ${run}` })).ok).toBe(true);
        const { requestId } = await asked;
        const answer = `answer ${run}`;
        const child = server.child;
        if (overRest) {
          const res = await api(server.url, 'POST', `/api/sessions/${sessionId}/input`, {
            body: { requestId, content: answer },
          });
          child.kill('SIGKILL');
          expect(res.status, res.text).toBe(200);
        } else {
          // Killed from inside the ack callback: nothing else of the runner's runs before the kill.
          const ack = await new Promise<{ ok: boolean }>((resolve) =>
            socket.emit('session:input', { sessionId, requestId, content: answer }, (a: { ok: boolean }) => {
              child.kill('SIGKILL');
              resolve(a);
            }),
          );
          expect(ack).toMatchObject({ ok: true });
        }
        await server.exited;
        count({ faults: 1 });
        socket.disconnect();

        server = await runner.start();
        const { messages } = (await api(server.url, 'GET', `/api/sessions/${sessionId}/transcript`)).json as {
          messages: MessageEvent[];
        };
        const answers = messages.filter((m) => m.sender === 'approve').map((m) => m.content);
        count({ checked: 1, lost: answers.includes(answer) ? 0 : 1 });
        expect(answers, `run ${run} over ${overRest ? 'REST' : 'Socket.IO'}`).toEqual([answer]);
      }
    },
  );
});
