import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../schemas/protocol.ts';
import { LowdbStore } from '../../runner/store/lowdb-store.ts';
import { api, call, connect, exampleGraph } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { killableRunner, type SpawnedRunner } from './helpers/killable-runner.ts';

/**
 * kill -9 of a spawned runner at random points of a turn, 20 times, on the embedded store. After
 * every kill the data files must be readable, every user message whose send was acknowledged
 * must be in the transcript exactly once after the restart, and the session must run a new turn.
 */
const RUNS = 20;
const TENANT = 'local';
const runner = killableRunner('hardening-kill9-');
let server: SpawnedRunner;

/** Every JSON file the store wrote parses; the store itself can list and load every session. */
async function assertReadable(root: string): Promise<void> {
  const files = await readdir(root, { recursive: true, withFileTypes: true });
  for (const f of files) {
    // Dot files are steno's temp files: a write the kill interrupted, never read back.
    if (!f.isFile() || f.name.startsWith('.') || !f.name.endsWith('.json')) continue;
    const text = await readFile(join(f.parentPath, f.name), 'utf8');
    expect(() => JSON.parse(text), `${f.name} is torn`).not.toThrow();
  }
  const store = new LowdbStore(root);
  for (const info of await store.listSessions(TENANT)) expect(await store.getSession(TENANT, info.id)).toBeDefined();
  await store.close();
}

const userContents = (messages: MessageEvent[]) => messages.filter((m) => m.sender === 'user').map((m) => m.content);

describe('kill -9 during turns', () => {
  // Each run spawns a runner (~2 s alone, far more on a loaded machine): a timeout of its own.
  it(
    `${RUNS} kills at random points: readable files, no acknowledged message lost, the session continues`,
    { timeout: 900_000 },
    async () => {
      server = await runner.start();
      expect(
        (await api(server.url, 'POST', '/api/graphs', { body: { graph: exampleGraph('writer-critic') } })).status,
      ).toBe(201);
      const sessionId: string = (await api(server.url, 'POST', '/api/sessions', { body: { graphId: 'writer-critic' } }))
        .json.id;
      const acknowledged: string[] = [];
      let killedMidTurn = 0;

      for (let run = 0; run < RUNS; run++) {
        const socket = await connect(server.url);
        await call(socket, 'session:join', { sessionId });
        // Accepted user messages minus ended turns: turns running or queued when the kill lands.
        let accepted = 0;
        let ended = 0;
        socket.on('message', (m: MessageEvent) => m.sender === 'user' && accepted++);
        socket.on('turn_end', () => ended++);
        // Messages go out back to back until the kill, so it lands while turns run and messages queue.
        // Three at a time: one after another, a fast turn ends in the frame that brings its message.
        let killed = false;
        const gone = new Promise<undefined>((r) => socket.once('disconnect', () => r(undefined)));
        const lane = async (lane: number) => {
          for (let n = 0; !killed; n++) {
            const content = `run ${run} message ${lane}.${n}`;
            // An ack still in flight when the process dies never comes: stop waiting at the disconnect.
            const ack = await Promise.race([
              call(socket, 'session:send', { sessionId, content }).catch(() => undefined),
              gone,
            ]);
            // An ack that arrives after the kill was still sent before it: the message must be there.
            if (ack?.ok) acknowledged.push(content);
            if (!ack) break;
          }
        };
        const sending = Promise.all([0, 1, 2].map(lane));
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 250)));
        // On a fast machine a turn is over in a moment and a random point mostly falls between two:
        // wait (at most 2 s) until one runs, so the kill lands mid-turn.
        for (const until = Date.now() + 2000; accepted <= ended && Date.now() < until;)
          await new Promise((r) => setImmediate(r));
        killed = true;
        if (accepted > ended) killedMidTurn++;
        server.child.kill('SIGKILL');
        await server.exited;
        count({ faults: 1 });
        socket.disconnect();
        await sending;

        await assertReadable(runner.dir);
        server = await runner.start();
        const turn = await api(server.url, 'POST', `/api/sessions/${sessionId}/messages`, {
          body: { content: `after kill ${run}`, wait: true },
        });
        expect(turn.status, turn.text).toBe(200);
        acknowledged.push(`after kill ${run}`);

        const { messages } = (await api(server.url, 'GET', `/api/sessions/${sessionId}/transcript`)).json as {
          messages: MessageEvent[];
        };
        const seen = userContents(messages);
        const missing = acknowledged.filter((c) => !seen.includes(c));
        count({ checked: acknowledged.length, lost: missing.length });
        expect(missing).toEqual([]);
        expect(new Set(seen).size, 'a user message was stored twice').toBe(seen.length);
      }
      // The kills landed during turns, not only between them (the sender never pauses).
      expect(killedMidTurn).toBeGreaterThan(RUNS / 2);
    },
  );
});
