import type { Graph } from '../../schemas/graph.ts';
import type { MessageEvent, SessionInfo } from '../../schemas/protocol.ts';
import type { KeySnapshot } from '../runtime/types.ts';
import type { SessionWrite } from './session-write.ts';

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

/** A record as read by the session's writer, with what its next write can build on (see SessionWrite). */
export interface LoadedSession {
  /** Its transcript holds the entries from `transcriptOffset` on; the store has the ones before. */
  record: SessionRecord;
  transcriptOffset: number;
  /** The revision of the write the record holds; undefined: written before revisions. */
  revision: string | undefined;
  /** Changes the stored snapshot has had since it was written whole (a store that reads them applies each). */
  snapshotChanges: number;
}

/** An accepted user message waiting for (or driving) its turn. */
export interface InboxItem {
  messageId: string;
  turnId: string;
  content: string;
  /** The session-start message (see sessions/start-message.ts), published on the graph's start topic. */
  start?: true;
}

/** The tenants' graphs, every version kept. */
export interface GraphStore {
  listGraphs(tenant: string): Promise<StoredGraph[]>;
  getGraph(tenant: string, id: string, version?: number): Promise<StoredGraph | undefined>;
  listGraphVersions(tenant: string, id: string): Promise<number[]>;
  putGraph(record: StoredGraph): Promise<void>;
  deleteGraph(tenant: string, id: string): Promise<void>;
}

/**
 * Sessions, read as whole records and written as SessionWrites (what changed since the writer's
 * last write). Every write concerns one record, so its cost does not grow with the number of
 * stored sessions. A write's fence keeps a stale cluster owner out (see SessionWrite).
 */
export interface SessionStore {
  getSession(tenant: string, id: string): Promise<SessionRecord | undefined>;
  /**
   * The record for a writer that will write it next: its next write builds on the stored revision
   * and sends only what changed, not the snapshot it just read. What the store keeps to check
   * that write's `base` stays until `release`. The record is the caller's to change: the store
   * keeps no reference to it, except to the snapshot and the transcript's entries, which nobody changes.
   */
  loadSession(tenant: string, id: string): Promise<LoadedSession | undefined>;
  /** Session ids and summaries, from an index rather than by reading every record. */
  listSessions(tenant: string, filter?: { graphId?: string; state?: string; user?: string }): Promise<SessionInfo[]>;
  /** Applies one write of a session, all of it or nothing (see SessionWrite). */
  putSession(write: SessionWrite): Promise<void>;
  /**
   * How long the writer may hold a write that can wait (a turn's end with nothing queued) for the
   * session's next one, so that one write carries both. Worth it where each write is a round trip
   * (Redis); not where writes in flight already share one append (the embedded journal). Omitted: 0.
   */
  readonly coalesceMs?: number;
  /**
   * The writer will build no write on this session's last one (the session left memory): what the
   * store keeps to check a write's `base` can go. Its next write starts from a new `loadSession`.
   */
  release?(tenant: string, id: string): void;
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
