/**
 * Test helper run as a child process: rewrites one session (large, growing) and appends index
 * lines as fast as it can until it is killed. Prints "ready" once the first write landed.
 */
import { LowdbStore } from './lowdb-store.ts';
import type { SessionRecord } from './types.ts';
import { recordWrite } from './session-write.ts';

const [dir, id] = process.argv.slice(2) as [string, string];
const store = new LowdbStore(dir);
const record: SessionRecord = {
  info: {
    id,
    tenant: 'acme',
    graphId: 'g',
    graphVersion: 1,
    state: 'idle',
    createdAt: 1,
    lastActiveAt: 1,
    turns: 0,
    usage: { promptTokens: 0, completionTokens: 0, cost: 0, estimated: false },
  },
  transcript: [],
  acceptedMessageIds: [],
};
for (let turn = 0; ; turn++) {
  record.info.turns = turn;
  record.transcript.push({
    sessionId: id,
    id: `m${turn}`,
    turnId: `t${turn}`,
    topic: { type: 'in', source: id },
    sender: 'user',
    recipients: [],
    role: 'user',
    content: 'x'.repeat(2_000),
    output: false,
    time: turn,
  });
  await store.putSession(recordWrite(record, { from: turn }));
  if (turn === 0) process.stdout.write('ready\n');
}
