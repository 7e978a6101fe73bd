import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import { expect } from 'vitest';
import type { MessageEvent, SessionInfo } from '../../../schemas/protocol.ts';
import type { ProcessLoad } from '../../../runner/cluster/placement.ts';
import { echoGraph } from '../../../runner/sessions/test-support.ts';
import { eventually } from '../../helpers/eventually.ts';
import { api, spawnServer, tempDir } from '../../integration/helpers.ts';
import { startGatedModel, type GatedModel } from './gated-model.ts';

/**
 * Runner processes of one cluster (`switchboard serve --redis …`) on loopback ports, a gated
 * model, and the checks the cluster suites share. `backend` says what the processes run on:
 * Redis alone, or Postgres + Redis; the failover cases (failover-cases.ts) run on both.
 */
export interface Backend {
  name: string;
  redisUrl: string;
  /** Extra environment of every process (the key prefix, DATABASE_URL, …). */
  env: Record<string, string>;
}

export interface Member {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  id: string;
}

export interface ClusterFixture {
  backend: Backend;
  gate: GatedModel;
  members: Member[];
  /** Sockets to disconnect at the end. */
  sockets: Socket[];
  startMember(): Promise<Member>;
  alive(): Member[];
  memberOf(id: string | undefined): Member | undefined;
  close(): Promise<void>;
}

/** Starts `count` members, stores the echo and slow graphs (plus `graphs`) and waits until all are listed. */
export async function startCluster(backend: Backend, count: number, graphs: object[] = []): Promise<ClusterFixture> {
  const gate = await startGatedModel();
  const members: Member[] = [];
  const sockets: Socket[] = [];
  const dirs: Array<{ remove(): void }> = [];
  const startMember = async () => {
    const dir = tempDir('sb-cluster-');
    dirs.push(dir);
    const started = await spawnServer(['--redis', backend.redisUrl, '--data', dir.path], {
      OPENAI_API_KEY: 'test-key',
      ...backend.env,
    });
    const self = (await api(started.url, 'GET', '/api/cluster')).json.self as string;
    const member = { ...started, id: self };
    members.push(member);
    return member;
  };
  const fixture: ClusterFixture = {
    backend,
    gate,
    members,
    sockets,
    startMember,
    alive: () => members.filter((m) => m.child.exitCode === null && m.child.signalCode === null),
    memberOf: (id) => members.find((m) => m.id === id),
    async close() {
      for (const s of sockets) s.disconnect();
      for (const m of members) {
        if (m.child.signalCode === 'SIGSTOP' || m.child.exitCode === null) m.child.kill('SIGCONT');
        m.child.kill('SIGKILL');
      }
      await Promise.all(members.map((m) => Promise.race([m.exited, new Promise((r) => setTimeout(r, 5000))])));
      await gate.close();
      for (const d of dirs) d.remove();
    },
  };
  try {
    await Promise.all(Array.from({ length: count }, () => startMember()));
    for (const graph of [echoGraph(), slowGraph(gate.baseURL), ...graphs]) {
      const res = await api(members[0].url, 'POST', '/api/graphs', { body: { graph } });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
    }
    await eventually(
      () => clusterOf(members[0]),
      (list) => list.length === count,
      `${count} members`,
    );
  } catch (error) {
    await fixture.close();
    throw error;
  }
  return fixture;
}

export const clusterOf = async (via: Member) =>
  (await api(via.url, 'GET', '/api/cluster')).json.processes as ProcessLoad[];

export async function createSession(via: Member, graphId: string): Promise<SessionInfo> {
  const res = await api(via.url, 'POST', '/api/sessions', { body: { graphId } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json as SessionInfo;
}

export async function transcript(via: Member, id: string): Promise<MessageEvent[]> {
  return (await api(via.url, 'GET', `/api/sessions/${id}/transcript`)).json.messages as MessageEvent[];
}

export async function metric(via: Member, name: string): Promise<number> {
  const text = (await api(via.url, 'GET', '/metrics')).text;
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
}

/** Each user message exactly once, each followed (in its turn) by the model's one answer. */
export function expectTurnsComplete(messages: MessageEvent[], sent: string[], answer: (content: string) => string) {
  const users = messages.filter((m) => m.sender === 'user');
  expect(users.map((m) => m.content)).toEqual(sent);
  for (const user of users) {
    const replies = messages.filter((m) => m.turnId === user.turnId && m.sender !== 'user');
    expect(replies.map((m) => m.content)).toEqual([answer(user.content)]);
  }
}

/** One agent on the gated model: its turns wait while the gate holds. */
export function slowGraph(baseURL: string) {
  return {
    format: 'switchboard/graph',
    version: 1,
    id: 'slow',
    name: 'Slow model',
    models: [{ id: 'm', provider: 'openai', model: 'gated', baseUrl: baseURL, timeoutMs: 120_000, maxRetries: 0 }],
    agents: [{ id: 'worker', type: 'worker', kind: 'assistant', config: { model: 'm', stream: false } }],
    topics: [
      { id: 'in', type: 'slow.in' },
      { id: 'out', type: 'slow.out' },
    ],
    subscriptions: [{ id: 's1', topic: 'in', agent: 'worker' }],
    publications: [{ id: 'p1', agent: 'worker', topic: 'out' }],
    entry: 'in',
    output: ['out'],
  };
}
