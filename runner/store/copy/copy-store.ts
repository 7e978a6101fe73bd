import { AppError } from '../../errors.ts';
import { recordWrite } from '../session-write.ts';
import type { Store } from '../types.ts';

/** What a copy moved, per kind. */
export interface CopyCounts {
  tenants: number;
  graphVersions: number;
  sessions: number;
  /** Users with a memory. */
  memories: number;
  transcriptEntries: number;
}

/** A backend seen whole, as a copy reads or writes it: the Store interface, plus what it cannot list. */
export interface StoreSide {
  store: Store;
  tenants(): Promise<string[]>;
  /**
   * The users' memories keyed by the name the embedded store gives a user's file (userFileName):
   * a user with an unusual name is stored under a hash of it, which cannot be turned back.
   */
  memories(tenant: string): Promise<Map<string, Record<string, string>>>;
}

export interface CopySource extends StoreSide {
  /** The highest fence a write of the session carried, if any. */
  fence(tenant: string, sessionId: string): Promise<number | undefined>;
}

export interface CopyTarget extends StoreSide {
  putMemory(tenant: string, userKey: string, memory: Record<string, string>): Promise<void>;
}

/**
 * Copies every graph version, session (with its fence) and user memory from `source` to `target`,
 * then reads the target back and checks it holds all of them, with every transcript entry.
 * Idempotent: a second run writes the same records again. A session whose target copy carries a
 * newer fence (a runner on the target wrote it since) is refused by the target, and the copy fails.
 */
export async function copyStore(
  source: CopySource,
  target: CopyTarget,
  log: (line: string) => void = () => undefined,
): Promise<CopyCounts> {
  const counts: CopyCounts = { tenants: 0, graphVersions: 0, sessions: 0, memories: 0, transcriptEntries: 0 };
  const from = source.store;
  const to = target.store;
  for (const tenant of await source.tenants()) {
    counts.tenants += 1;
    for (const { id } of await from.listGraphs(tenant)) {
      for (const version of await from.listGraphVersions(tenant, id)) {
        const graph = await from.getGraph(tenant, id, version);
        if (graph) await to.putGraph(graph);
        counts.graphVersions += 1;
      }
    }
    for (const info of await from.listSessions(tenant)) {
      const record = await from.getSession(tenant, info.id);
      if (!record) continue;
      const fence = await source.fence(tenant, info.id);
      await to.putSession(recordWrite(record, fence === undefined ? {} : { fence }));
      counts.sessions += 1;
      counts.transcriptEntries += record.transcript.length;
    }
    for (const [userKey, memory] of await source.memories(tenant)) {
      await target.putMemory(tenant, userKey, memory);
      counts.memories += 1;
    }
    log(`tenant ${tenant}: copied`);
  }
  const missing = await verify(source, target);
  if (missing.length)
    throw new AppError(
      'copy_incomplete',
      500,
      `the target lacks what the source holds: ${missing.slice(0, 10).join('; ')}${missing.length > 10 ? ` (and ${missing.length - 10} more)` : ''}`,
    );
  return counts;
}

/** What the source holds and the target does not, one line per difference. */
async function verify(source: CopySource, target: CopyTarget): Promise<string[]> {
  const missing: string[] = [];
  const targetTenants = new Set(await target.tenants());
  for (const tenant of await source.tenants()) {
    if (!targetTenants.has(tenant)) missing.push(`tenant "${tenant}"`);
    for (const { id } of await source.store.listGraphs(tenant)) {
      const stored = new Set(await target.store.listGraphVersions(tenant, id));
      for (const version of await source.store.listGraphVersions(tenant, id))
        if (!stored.has(version)) missing.push(`tenant "${tenant}" graph "${id}" version ${version}`);
    }
    const sessions = new Map((await target.store.listSessions(tenant)).map((s) => [s.id, s]));
    for (const info of await source.store.listSessions(tenant)) {
      if (!sessions.has(info.id)) {
        missing.push(`tenant "${tenant}" session "${info.id}"`);
        continue;
      }
      const [a, b] = await Promise.all([
        source.store.getSession(tenant, info.id),
        target.store.getSession(tenant, info.id),
      ]);
      if (a && b?.transcript.length !== a.transcript.length)
        missing.push(
          `tenant "${tenant}" session "${info.id}": ${b?.transcript.length ?? 0} of ${a.transcript.length} transcript entries`,
        );
    }
    const memories = await target.memories(tenant);
    for (const [userKey, memory] of await source.memories(tenant)) {
      const stored = memories.get(userKey) ?? {};
      const lacking = Object.keys(memory).filter((k) => stored[k] !== memory[k]);
      if (lacking.length)
        missing.push(
          `tenant "${tenant}" memory of "${userKey}": ${lacking.length} of ${Object.keys(memory).length} keys`,
        );
    }
  }
  return missing;
}
