import { randomUUID } from 'node:crypto';
import type { MessageEvent, SessionInfo } from '../../../schemas/protocol.ts';
import type { SessionRecord, StoredGraph } from '../types.ts';

/** Records the contract suites (and other store tests) write. */
export function graphRecord(tenant: string, id: string, version: number, draft = false): StoredGraph {
  return {
    tenant,
    id,
    version,
    draft,
    updatedAt: Date.now(),
    graph: {
      format: 'switchboard/graph',
      version: 1,
      id,
      name: `graph ${id}`,
      description: '',
      models: [],
      agents: [],
      topics: [],
      subscriptions: [],
      publications: [],
      entry: 'in',
      output: ['out'],
      limits: { maxMessagesPerTurn: 100, maxTurnMs: 120_000, maxTokensPerSession: 1_000_000, allowedHosts: [] },
      layout: { nodes: {} },
      meta: { tags: [] },
    },
  };
}

export function sessionRecord(tenant: string, patch: Partial<SessionInfo> = {}): SessionRecord {
  const now = Date.now();
  return {
    info: {
      id: randomUUID(),
      tenant,
      graphId: 'g1',
      graphVersion: 1,
      state: 'idle',
      createdAt: now,
      lastActiveAt: now,
      turns: 0,
      usage: { promptTokens: 0, completionTokens: 0, cost: 0, estimated: false },
      ...patch,
    },
    transcript: [],
    acceptedMessageIds: [],
  };
}

export function message(sessionId: string, content = 'hello'): MessageEvent {
  return {
    sessionId,
    id: randomUUID(),
    turnId: randomUUID(),
    topic: { type: 'in', source: sessionId },
    sender: 'user',
    recipients: ['a'],
    role: 'user',
    content,
    output: false,
    time: Date.now(),
  };
}
