import type { RedisKeys } from './redis-keys.ts';
import type { SessionWrite } from './session-write.ts';

/** Pruning by age needs no finer activity than this, and a busy session then updates its index once a second, not every turn. */
const ACTIVITY_RESOLUTION_MS = 1000;

/**
 * The script that writes one session to Redis, and a typed encoder of its arguments.
 *
 * One round trip per write, and the fence check cannot race the write it guards. A write carries
 * only what changed since the revision it builds on (see SessionWrite): checks come first, so a
 * refused write changes nothing.
 *
 * KEYS: 1 record, 2 info index, 3 activity index, 4 fence, 5 tenants, 6 transcript, 7 state (rev,
 * inbox, snapshot, active: the session's score in the activity index, read with the revision), 8
 * accepted ids, 9 snapshot changes.
 * ARGV: 1 fence, 2 id, 3 info JSON, 4 lastActiveAt (the activity index moves when it moved by a second), 5 tenant,
 * 6 the revision this write builds on ('' for none: it carries everything), 7 its own revision,
 * 8 inbox JSON, 9 snapshot JSON ('' for unchanged or changed by ARGV[10], '-' for none), 10 a change
 * to append to the stored snapshot ('' for none), 11 how many stored accepted ids stay (the last
 * ones), 12 how many ids follow, then the ids, then where the
 * transcript entries are new from ('' rewrites the list) and the entries.
 */
export const PUT_SESSION = `
local fence = ARGV[1]
local current = 0
if fence ~= '' then
  current = tonumber(redis.call('GET', KEYS[4]) or '0')
  if tonumber(fence) < current then return {0, current} end
end
local base = ARGV[6]
local active = false
if base ~= '' then
  local stored = redis.call('HMGET', KEYS[7], 'rev', 'active')
  if stored[1] ~= base then return {3, 0} end
  active = stored[2]
end
local added = tonumber(ARGV[12])
local at = 13 + added
local from = tonumber(ARGV[at])
if from ~= nil then
  local length = redis.call('LLEN', KEYS[6])
  if length < from then return {2, length} end
  if from == 0 then redis.call('DEL', KEYS[6]) elseif length > from then redis.call('LTRIM', KEYS[6], 0, from - 1) end
else
  redis.call('DEL', KEYS[6])
end
for i = at + 1, #ARGV, 1000 do redis.call('RPUSH', KEYS[6], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
if fence ~= '' and tonumber(fence) > current then redis.call('SET', KEYS[4], fence) end
local kept = tonumber(ARGV[11])
-- Most writes keep every stored id: LLEN costs a third of a no-op LTRIM (a write command).
if kept == 0 then redis.call('DEL', KEYS[8]) elseif redis.call('LLEN', KEYS[8]) > kept then redis.call('LTRIM', KEYS[8], -kept, -1) end
for i = 13, at - 1, 1000 do redis.call('RPUSH', KEYS[8], unpack(ARGV, i, math.min(i + 999, at - 1))) end
if ARGV[10] ~= '' then redis.call('RPUSH', KEYS[9], ARGV[10]) elseif ARGV[9] ~= '' then redis.call('DEL', KEYS[9]) end
if ARGV[9] == '-' then redis.call('HDEL', KEYS[7], 'snapshot') end
if ARGV[9] == '' or ARGV[9] == '-' then redis.call('HSET', KEYS[7], 'rev', ARGV[7], 'inbox', ARGV[8])
else redis.call('HSET', KEYS[7], 'rev', ARGV[7], 'inbox', ARGV[8], 'snapshot', ARGV[9]) end
-- Marks the record as stored in parts; an incremental write builds on one that did.
if base == '' or from == nil then redis.call('SET', KEYS[1], '{}') end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
-- About once a second for a busy session: the score kept beside the revision spares a ZSCORE on every write.
if not active or math.abs(tonumber(ARGV[4]) - tonumber(active)) >= ${ACTIVITY_RESOLUTION_MS} then
  redis.call('HSET', KEYS[7], 'active', ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
end
if base == '' then redis.call('SADD', KEYS[5], ARGV[5]) end
return {1, 0}`;

export const PUT_SESSION_KEYS = 9;

/** What the script does with the stored snapshot. */
export type SnapshotArg =
  | { kind: 'unchanged' }
  | { kind: 'none' }
  | { kind: 'whole'; json: string }
  /** A change (snapshot-change.ts) appended to the stored snapshot's list of changes. */
  | { kind: 'change'; json: string };

/** One session write, everything but its transcript entries. */
export interface PutSessionHead {
  tenant: string;
  id: string;
  fence: number | undefined;
  infoJson: string;
  /** The activity index's new score, if it moved far enough. */
  activeAt: number;
  /** The revision this write builds on; undefined: none, the write carries everything. */
  baseRevision: string | undefined;
  revision: string;
  inboxJson: string;
  snapshot: SnapshotArg;
  /** How many stored accepted ids stay (the last ones). */
  acceptedKept: number;
  acceptedAdded: readonly string[];
}

/** The script's answer. */
export type PutSessionReply =
  | { outcome: 'written' }
  /** A newer fence is stored. */
  | { outcome: 'fenced'; current: number }
  /** The stored transcript is shorter than the write assumes (a record stored whole by an older version). */
  | { outcome: 'short'; length: number }
  /** The stored revision is not the one this write builds on. */
  | { outcome: 'conflict' };

/** The script's view of a write, everything but its transcript entries. */
export function headOf(write: SessionWrite): PutSessionHead {
  const { info, snapshot, accepted } = write;
  return {
    tenant: info.tenant,
    id: info.id,
    fence: write.fence,
    infoJson: JSON.stringify(info),
    activeAt: info.lastActiveAt,
    baseRevision: write.base,
    revision: write.revision,
    inboxJson: JSON.stringify(write.inbox ?? null),
    snapshot:
      snapshot.kind === 'unchanged'
        ? { kind: 'unchanged' }
        : snapshot.kind === 'change'
          ? { kind: 'change', json: JSON.stringify(snapshot.change) }
          : snapshot.value === undefined
            ? { kind: 'none' }
            : { kind: 'whole', json: JSON.stringify(snapshot.value) },
    acceptedKept: accepted.keep,
    acceptedAdded: accepted.ids.slice(accepted.keep),
  };
}

/** The keys and the arguments up to the transcript's: built once per write, reused by a retry. */
export function encodeHead(keys: RedisKeys, head: PutSessionHead): string[] {
  const { tenant, id } = head;
  return [
    keys.session(tenant, id),
    keys.sessionInfo(tenant),
    keys.sessionActive(tenant),
    keys.fence(id),
    keys.tenants,
    keys.transcript(tenant, id),
    keys.sessionState(tenant, id),
    keys.accepted(tenant, id),
    keys.snapshotChanges(tenant, id),
    head.fence === undefined ? '' : String(head.fence),
    id,
    head.infoJson,
    String(head.activeAt),
    tenant,
    head.baseRevision ?? '',
    head.revision,
    head.inboxJson,
    head.snapshot.kind === 'unchanged' || head.snapshot.kind === 'change'
      ? ''
      : head.snapshot.kind === 'none'
        ? '-'
        : head.snapshot.json,
    head.snapshot.kind === 'change' ? head.snapshot.json : '',
    String(head.acceptedKept),
    String(head.acceptedAdded.length),
    ...head.acceptedAdded,
  ];
}

/**
 * The whole argument list: `head`, then where the transcript is new from (undefined: all of it)
 * and the entries from there. `transcript` starts at entry `offset`; entries up to `length` go.
 */
export function withEntries(
  head: readonly string[],
  transcript: readonly unknown[],
  from: number | undefined,
  offset: number,
  length: number,
): string[] {
  const args = head.slice();
  args.push(from === undefined ? '' : String(from));
  for (let i = (from ?? 0) - offset; i < length - offset; i++) args.push(JSON.stringify(transcript[i]));
  return args;
}

export function decodeReply([code, value]: [number, number]): PutSessionReply {
  switch (code) {
    case 1:
      return { outcome: 'written' };
    case 0:
      return { outcome: 'fenced', current: value };
    case 2:
      return { outcome: 'short', length: value };
    default:
      return { outcome: 'conflict' };
  }
}
