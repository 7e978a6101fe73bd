import type { Graph } from '../../schemas/graph.ts';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import type { KeySnapshot } from '../runtime/types.ts';

/** A saved graph version. Versions are immutable; an update writes version + 1. */
export interface StoredGraph {
  tenant: string;
  id: string;
  version: number;
  graph: Graph;
  /** Saved as a draft: stored but not runnable. */
  draft: boolean;
  updatedAt: number;
}

/** Everything persisted about one session, written as one unit after each turn. */
export interface SessionRecord {
  info: SessionInfo;
  transcript: MessageEvent[];
  /** The runtime snapshot of this session's agents and undelivered messages. */
  snapshot?: KeySnapshot;
  /** Ids of user messages already accepted, so a resend is not a duplicate. */
  acceptedMessageIds: string[];
  /**
   * User messages accepted but whose turn has not ended, oldest first; while a turn runs the
   * first one is its input. Kept so a restart loses no acknowledged message.
   */
  inbox?: InboxItem[];
}

/** An accepted user message waiting for (or driving) its turn. */
export interface InboxItem {
  messageId: string;
  turnId: string;
  content: string;
  /** The session-start message (see sessions/start-message.ts), published on the graph's start topic. */
  start?: true;
}

export interface PutSessionOptions {
  fence?: number;
  transcriptFrom?: number;
  transcriptOffset?: number;
  coalesce?: boolean;
}

/** Entries a write with a transcript offset carries before its `transcriptFrom` (see putSession). */
export const WRITE_OVERLAP = 64;

/** The tenants' graphs, every version kept. */
export interface GraphStore {
  listGraphs(tenant: string): Promise<StoredGraph[]>;
  getGraph(tenant: string, id: string, version?: number): Promise<StoredGraph | undefined>;
  listGraphVersions(tenant: string, id: string): Promise<number[]>;
  putGraph(record: StoredGraph): Promise<void>;
  deleteGraph(tenant: string, id: string): Promise<void>;
}

/**
 * Sessions, written as one record after each turn. Every write concerns one record, so its cost
 * does not grow with the number of stored sessions. `fence` (when given) must be ≥ the highest
 * fence seen for that session, or the write is rejected: this is how a stale cluster owner is
 * kept out.
 */
export interface SessionStore {
  getSession(tenant: string, id: string): Promise<SessionRecord | undefined>;
  /** Session ids and summaries, from an index rather than by reading every record. */
  listSessions(tenant: string, filter?: { graphId?: string; state?: string; user?: string }): Promise<SessionInfo[]>;
  /**
   * The record's transcript is read up to its length at the time of the call (the caller may
   * append to it meanwhile, never change what is there).
   * `transcriptOffset`: the record carries only the end of its transcript, from this entry on
   * (`record.transcript[i]` is entry `transcriptOffset + i`); it comes with `transcriptFrom` and
   * carries at least the WRITE_OVERLAP entries before it, when there are that many.
   * `transcriptFrom`: the transcript's first entries up to this index are unchanged since this
   * writer's last successful write of the session, so a store may write only the rest. Omitted:
   * the whole transcript is written (needed after entries were trimmed).
   * `coalesce`: the caller can wait a few milliseconds, so a store may hold this write back and
   * send it with the session's next one (see RedisStore), or on its own when none comes.
   */
  putSession(record: SessionRecord, options?: PutSessionOptions): Promise<void>;
  deleteSession(tenant: string, id: string): Promise<void>;
  /** Drops transcripts and sessions past the retention policy; returns how many were pruned. */
  prune(policy: { maxAgeMs?: number; maxSessionsPerTenant?: number }): Promise<number>;
}

/** What agents remember per tenant and user, across sessions. */
export interface MemoryStore {
  getMemory(tenant: string, user: string): Promise<Record<string, string>>;
  setMemory(tenant: string, user: string, key: string, value: string): Promise<void>;
}

/** The three stores the runner uses, wired together in app.ts. */
export interface Stores {
  graphs: GraphStore;
  sessions: SessionStore;
  memory: MemoryStore;
}

/** A backend that is all three stores at once (the embedded store, Redis) and closes as one. */
export interface Store extends GraphStore, SessionStore, MemoryStore {
  /**
   * Erasure, once the user's sessions are deleted: removes the user's memory and whatever still
   * names those sessions (journal lines, index history). On the backend, as it spans its stores.
   */
  eraseUser(tenant: string, user: string): Promise<void>;
  close(): Promise<void>;
}

/** The three stores one backend provides. */
export function storesOf(backend: Store): Stores {
  return { graphs: backend, sessions: backend, memory: backend };
}
