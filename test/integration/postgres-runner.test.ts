import { readdirSync } from 'node:fs';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import { createTestSchema, type TestSchema } from '../../runner/store/postgres/test-support.ts';
import { eventually } from '../helpers/eventually.ts';
import { api, call, connect, exampleGraph, ok, runCli, spawnServer, tempDir } from './helpers.ts';

let db: TestSchema;
const dir = tempDir();
const sockets: Socket[] = [];
beforeAll(async () => {
  db = await createTestSchema('runner');
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await db.drop();
  dir.remove();
});

describe('a runner on PostgreSQL (DATABASE_URL)', () => {
  it('keeps sessions and acknowledged messages across a kill -9, and nothing in the data folder', async () => {
    const database = `${db.url}?search_path=${db.schema}`;
    const first = await spawnServer(['--data', dir.path, '--database', database]);
    const ids: string[] = [];
    const acked = new Map<string, string[]>();
    try {
      expect((await api(first.url, 'POST', '/api/graphs', { body: { graph: exampleGraph('hello') } })).status).toBe(
        201,
      );
      for (let i = 0; i < 5; i++) {
        const s = await api(first.url, 'POST', '/api/sessions', { body: { graphId: 'hello' } });
        expect(
          (
            await api(first.url, 'POST', `/api/sessions/${s.json.id}/messages`, {
              body: { content: `s${i} before`, wait: true },
            })
          ).status,
        ).toBe(200);
        ids.push(s.json.id);
        acked.set(s.json.id, [`s${i} before`]);
      }
      // Acknowledged (stored) but racing their turns when the process dies.
      const socket = await connect(first.url);
      sockets.push(socket);
      for (const [i, id] of ids.entries()) {
        ok(await call(socket, 'session:send', { sessionId: id, content: `s${i} during` }));
        acked.get(id)!.push(`s${i} during`);
      }
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }

    // The second process finds the database from the environment alone.
    const second = await spawnServer(['--data', dir.path], { DATABASE_URL: database });
    try {
      const again = await connect(second.url);
      sockets.push(again);
      for (const [i, id] of ids.entries()) {
        const { session } = ok(
          await call<{ session: SessionInfo; messages: MessageEvent[] }>(again, 'session:join', { sessionId: id }),
        );
        expect(session.graphId).toBe('hello');
        ok(await call(again, 'session:send', { sessionId: id, content: `s${i} after` }));
        acked.get(id)!.push(`s${i} after`);
      }
      for (const id of ids) {
        const expected = acked.get(id)!;
        const transcript = await eventually(
          async () => (await api(second.url, 'GET', `/api/sessions/${id}/transcript`)).json.messages as MessageEvent[],
          (ms) => ms.filter((m) => m.output && m.sender !== 'user').length >= expected.length,
          `every turn of ${id} to finish`,
        );
        expect(transcript.filter((m) => m.sender === 'user').map((m) => m.content)).toEqual(expected);
        for (const content of expected) expect(transcript.map((m) => m.content)).toContain(`You said: ${content}`);
      }
      // The transcripts are rows a team can query; the data folder was never used.
      const [{ rows }] = await db.sql<{ rows: string }[]>`SELECT count(*) AS rows FROM transcript_entries`;
      expect(Number(rows)).toBeGreaterThanOrEqual(ids.length * 6);
      expect(readdirSync(dir.path)).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('refuses to start on an unreachable database, naming it', async () => {
    const result = await runCli(['serve', '--port', '0', '--database', 'postgres://postgres@127.0.0.1:1/test'], {
      env: { REDIS_URL: '', LOG_LEVEL: 'error' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'switchboard: store_unavailable: PostgreSQL at postgres://postgres@127.0.0.1:1/test cannot be used',
    );
  });
});
