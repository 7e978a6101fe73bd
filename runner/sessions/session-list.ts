import type { SessionInfo } from '../../schemas/protocol.ts';
import type { SessionStore } from '../store/types.ts';
import { canAccess } from './access.ts';
import type { LiveSession } from './live-session.ts';
import type { Caller, Sessions } from './types.ts';

type SessionFilter = NonNullable<Parameters<Sessions['list']>[1]>;

/**
 * The caller's sessions as the store lists them, each as fresh as memory has it. A session in
 * memory may be ahead of its last write (its state above all), so the filter applies again to
 * what memory says.
 */
export async function listSessions(
  sessions: Pick<SessionStore, 'listSessions'>,
  live: ReadonlyMap<string, LiveSession>,
  caller: Caller,
  filter: SessionFilter,
): Promise<SessionInfo[]> {
  const stored = await sessions.listSessions(
    caller.tenant,
    caller.user === undefined ? filter : { ...filter, user: caller.user },
  );
  const fresh = stored
    .filter((info) => canAccess(caller, info))
    .map((info) => {
      const s = live.get(info.id);
      return s && s.info.tenant === caller.tenant ? structuredClone(s.info) : info;
    });
  return fresh.filter(
    (s) =>
      (filter.graphId === undefined || s.graphId === filter.graphId) &&
      (filter.state === undefined || s.state === filter.state) &&
      (filter.user === undefined || s.user === filter.user),
  );
}
