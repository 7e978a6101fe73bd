import type { Sql } from 'postgres';
import type { SessionInfo } from '../../../schemas/protocol.ts';
import { AppError, invalid } from '../../errors.ts';
import { InFlight } from '../in-flight.ts';
import { applyChange, type SnapshotChange } from '../../sessions/snapshot-change.ts';
import { segment, userFileName } from '../store-paths.ts';
import type { SessionWrite } from '../session-write.ts';
import type { LoadedSession, SessionRecord, Store, StoredGraph } from '../types.ts';
import { connectPostgres, type PostgresConnection } from './connect.ts';
import { migrate } from './migrate.ts';
import { toPgJson, toPgText } from './pg-text.ts';
import { SessionWrites } from './put-session.ts';
import { checkMemoryEntry, MAX_MEMORY_KEYS, memoryFull } from '../memory-limits.ts';
import { mappingUnavailable, unavailable } from './unavailable.ts';

/** As RedisStore's: a client that answers at once sends within it, a person typing does not. */
const COALESCE_MS = 5;

export interface PostgresStoreOptions extends PostgresConnection {
  /** Apply the pending migrations before the store is used (the runner does; `false` for a read-only look). */
  migrate?: boolean;
}

/** One session as a single statement reads it, so its parts agree with each other. */
interface SessionRow {
  info: SessionInfo;
  snapshot: SessionRecord['snapshot'] | null;
  inbox: SessionRecord['inbox'] | null;
  accepted: string[];
  transcript: SessionRecord['transcript'];
  changes: SnapshotChange[] | null;
  revision: string;
}

/**
 * The Store on PostgreSQL: the durable one (see docs/deploy.md). Tables and the session write are
 * in migrations/; a turn calls one function that appends its transcript rows and updates one
 * session row (put-session.ts).
 */
export class PostgresStore implements Store {
  private readonly writes = new InFlight();
  private readonly sessionWrites: SessionWrites;
  /** Each write is a round trip and a commit: a turn's end may wait this long to go out with the next message's write. */
  readonly coalesceMs = COALESCE_MS;

  private constructor(readonly sql: Sql) {
    this.sessionWrites = new SessionWrites(sql);
  }

  /** Connects and (unless told not to) migrates; fails with the server's reason when it cannot. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const sql = connectPostgres(options);
    try {
      if (options.migrate !== false) await migrate(sql);
      else await sql`SELECT 1`;
      // The first connection has fetched the array types for every connection of the pool. A
      // connection that opens later would fetch them again, and postgres.js leaves that query's
      // failure unhandled: a backend killed at that moment (pg_terminate_backend, a restart)
      // would take the process down.
      sql.options.fetch_types = false;
    } catch (error) {
      await sql.end({ timeout: 1 });
      throw new AppError(
        'store_unavailable',
        503,
        `PostgreSQL at ${redact(options.url)} cannot be used: ${(error as Error).message}`,
      );
    }
    return mappingUnavailable(new PostgresStore(sql));
  }

  // ---- graphs ----

  async listGraphs(tenant: string): Promise<StoredGraph[]> {
    const rows = await this.sql<
      { record: StoredGraph }[]
    >`SELECT DISTINCT ON (id) record FROM graphs WHERE tenant = ${segment('tenant', tenant)} ORDER BY id, version DESC`;
    return rows.map((r) => r.record);
  }

  async getGraph(tenant: string, id: string, version?: number): Promise<StoredGraph | undefined> {
    const [row] =
      version === undefined
        ? await this.sql<
            { record: StoredGraph }[]
          >`SELECT record FROM graphs WHERE tenant = ${tenant} AND id = ${id} ORDER BY version DESC LIMIT 1`
        : Number.isInteger(version)
          ? await this.sql<
              { record: StoredGraph }[]
            >`SELECT record FROM graphs WHERE tenant = ${tenant} AND id = ${id} AND version = ${version}`
          : [];
    return row?.record;
  }

  async listGraphVersions(tenant: string, id: string): Promise<number[]> {
    return (
      await this.sql<
        { version: number }[]
      >`SELECT version FROM graphs WHERE tenant = ${tenant} AND id = ${id} ORDER BY version`
    ).map((r) => r.version);
  }

  putGraph(record: StoredGraph): Promise<void> {
    return this.writes.run(async () => {
      segment('tenant', record.tenant);
      segment('graph', record.id);
      if (!Number.isInteger(record.version) || record.version < 1)
        throw invalid(`graph version ${JSON.stringify(record.version)} must be a positive integer`, {
          field: 'version',
        });
      await this
        .sql`INSERT INTO graphs (tenant, id, version, record) VALUES (${record.tenant}, ${record.id}, ${record.version}, ${toPgJson(record)}::text::jsonb)
        ON CONFLICT (tenant, id, version) DO UPDATE SET record = excluded.record`;
    });
  }

  deleteGraph(tenant: string, id: string): Promise<void> {
    return this.writes.run(
      async () => void (await this.sql`DELETE FROM graphs WHERE tenant = ${tenant} AND id = ${id}`),
    );
  }

  // ---- sessions ----

  async getSession(tenant: string, id: string): Promise<SessionRecord | undefined> {
    return (await this.loadSession(tenant, id))?.record;
  }

  async loadSession(tenant: string, id: string): Promise<LoadedSession | undefined> {
    segment('tenant', tenant);
    segment('session', id);
    const [row] = await this.sql<SessionRow[]>`
      SELECT s.info, s.snapshot, s.inbox, s.accepted, s.revision,
        (SELECT coalesce(json_agg(t.entry ORDER BY t.seq), '[]') FROM transcript_entries t WHERE t.tenant = s.tenant AND t.session_id = s.id) AS transcript,
        (SELECT json_agg(c.change ORDER BY c.seq) FROM snapshot_changes c WHERE c.tenant = s.tenant AND c.session_id = s.id) AS changes
      FROM sessions s WHERE s.tenant = ${tenant} AND s.id = ${id}`.catch((error: unknown) =>
      Promise.reject(unavailable(`read session "${id}"`, error)),
    );
    if (!row) return undefined;
    const changes = row.changes ?? [];
    return {
      record: {
        info: row.info,
        transcript: row.transcript,
        ...(row.snapshot !== null ? { snapshot: changed(id, row.snapshot, changes) } : {}),
        acceptedMessageIds: row.accepted,
        ...(row.inbox !== null ? { inbox: row.inbox } : {}),
      },
      transcriptOffset: 0,
      revision: row.revision,
      snapshotChanges: changes.length,
    };
  }

  /** Whether the session exists, without reading it (the cluster asks before taking a session). */
  async hasSession(tenant: string, id: string): Promise<boolean> {
    const [row] = await this.sql`SELECT 1 FROM sessions WHERE tenant = ${tenant} AND id = ${id}`;
    return row !== undefined;
  }

  /** The session's summary alone (the cluster's access check of a session owned elsewhere). */
  async getSessionInfo(tenant: string, id: string): Promise<SessionInfo | undefined> {
    const [row] = await this.sql<
      { info: SessionInfo }[]
    >`SELECT info FROM sessions WHERE tenant = ${tenant} AND id = ${id}`;
    return row?.info;
  }

  async listSessions(
    tenant: string,
    filter: { graphId?: string; state?: string; user?: string } = {},
  ): Promise<SessionInfo[]> {
    const sql = this.sql;
    const rows = await sql<{ info: SessionInfo }[]>`
      SELECT info FROM sessions WHERE tenant = ${segment('tenant', tenant)}
        ${filter.graphId === undefined ? sql`` : sql`AND graph_id = ${filter.graphId}`}
        ${filter.state === undefined ? sql`` : sql`AND state = ${filter.state}`}
        ${filter.user === undefined ? sql`` : sql`AND user_name = ${filter.user}`}
      ORDER BY created_at, id`;
    return rows.map((r) => r.info);
  }

  /** Fencing is checked by the database in the write's own statement (see put-session.ts). */
  putSession(write: SessionWrite): Promise<void> {
    return this.writes.run(() => this.sessionWrites.apply(write));
  }

  deleteSession(tenant: string, id: string): Promise<void> {
    return this.writes.run(async () => {
      await this.deleteSessions(tenant, [id]);
    });
  }

  /** The highest fence a write of this session carried (0 when none did): what a lease issues above after Redis lost its counters. */
  async fenceOf(sessionId: string): Promise<number> {
    const [row] = await this.sql<{ fence: string }[]>`SELECT fence FROM session_fences WHERE session_id = ${sessionId}`;
    return row ? Number(row.fence) : 0;
  }

  /**
   * A new fencing token for the session, above every one issued or written before: the stored
   * fence, raised by one in one statement. From then on the database refuses the writes of
   * whoever holds a lower token, even before the new owner's first write (a cluster lease issues
   * its tokens here, so they keep growing whatever Redis loses).
   */
  issueFence(sessionId: string): Promise<number> {
    return this.writes.run(async () => {
      const [row] = await this.sql<
        { fence: string }[]
      >`INSERT INTO session_fences AS f (session_id, fence) VALUES (${segment('session', sessionId)}, 1)
        ON CONFLICT (session_id) DO UPDATE SET fence = f.fence + 1 RETURNING fence`;
      return Number(row!.fence);
    });
  }

  // ---- memory ----

  async getMemory(tenant: string, user: string): Promise<Record<string, string>> {
    const rows = await this.sql<
      { key: string; value: string }[]
    >`SELECT key, value FROM memories WHERE tenant = ${segment('tenant', tenant)} AND user_key = ${userFileName(user)}`;
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  setMemory(tenant: string, user: string, key: string, value: string): Promise<void> {
    return this.writes.run(() => this.writeMemory(tenant, user, key, value));
  }

  private async writeMemory(tenant: string, user: string, key: string, value: string): Promise<void> {
    checkMemoryEntry(key, value);
    const userKey = userFileName(user);
    segment('tenant', tenant);
    const [{ stored }] = await this.sql<
      { stored: boolean }[]
    >`SELECT sb_set_memory(${tenant}, ${userKey}, ${toPgText(key)}, ${toPgText(value)}, ${MAX_MEMORY_KEYS}) AS stored`;
    if (!stored) throw memoryFull(user);
  }

  /** After the user's sessions were deleted (their rows went with them): the user's memory. */
  eraseUser(tenant: string, user: string): Promise<void> {
    return this.writes.run(
      async () =>
        void (await this.sql`DELETE FROM memories WHERE tenant = ${tenant} AND user_key = ${userFileName(user)}`),
    );
  }

  // ---- retention ----

  prune(policy: { maxAgeMs?: number; maxSessionsPerTenant?: number }): Promise<number> {
    return this.writes.run(async () => {
      const sql = this.sql;
      const cutoff = policy.maxAgeMs === undefined ? null : Date.now() - policy.maxAgeMs;
      const keep = policy.maxSessionsPerTenant ?? null;
      if (cutoff === null && keep === null) return 0;
      // The newest `keep` of each tenant stay, unless too old.
      const doomed = await sql<{ tenant: string; id: string }[]>`
        SELECT tenant, id FROM (
          SELECT tenant, id, last_active_at, row_number() OVER (PARTITION BY tenant ORDER BY last_active_at DESC, id DESC) AS rank FROM sessions
        ) ranked
        WHERE (${cutoff}::double precision IS NOT NULL AND last_active_at < ${cutoff}::double precision) OR (${keep}::integer IS NOT NULL AND rank > ${keep}::integer)`;
      let pruned = 0;
      for (const [tenant, ids] of groupBy(doomed)) pruned += await this.deleteSessions(tenant, ids);
      return pruned;
    });
  }

  async close(): Promise<void> {
    await this.writes.settled();
    await this.sql.end({ timeout: 5 });
  }

  /** Deletes the sessions with their transcripts, snapshot changes and fences; returns how many existed. */
  private async deleteSessions(tenant: string, ids: string[]): Promise<number> {
    segment('tenant', tenant);
    const deleted = await this.sql.begin(async (tx) => {
      const gone = await tx`DELETE FROM sessions WHERE tenant = ${tenant} AND id = ANY(${ids}::text[])`;
      await tx`DELETE FROM session_fences WHERE session_id = ANY(${ids}::text[])`;
      return gone.count;
    });
    return deleted;
  }
}

/** The stored snapshot with its changes applied, in order. */
function changed(
  id: string,
  snapshot: SessionRecord['snapshot'],
  changes: SnapshotChange[],
): SessionRecord['snapshot'] {
  try {
    return changes.reduce<unknown>(
      (value, change) => applyChange(value, change),
      snapshot,
    ) as SessionRecord['snapshot'];
  } catch (error) {
    throw new AppError(
      'corrupt_record',
      500,
      `session "${id}": its stored snapshot changes do not apply: ${(error as Error).message}`,
    );
  }
}

function groupBy(rows: Array<{ tenant: string; id: string }>): Map<string, string[]> {
  const byTenant = new Map<string, string[]>();
  for (const { tenant, id } of rows) byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), id]);
  return byTenant;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return URL.canParse(url)
    ? ((u) => ((u.password = u.password ? '***' : ''), u.toString()))(new URL(url))
    : '(not a URL)';
}
