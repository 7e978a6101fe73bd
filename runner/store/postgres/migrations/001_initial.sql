-- The durable store. Ids are checked by the store with the embedded store's rules before they get here.

-- Every version of every graph; the latest is the highest version.
CREATE TABLE graphs (
  tenant text NOT NULL,
  id text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  record jsonb NOT NULL,
  PRIMARY KEY (tenant, id, version)
);

-- One row per session: its summary (the index listSessions reads), inbox, accepted ids and agents' snapshot.
-- A turn updates this row and appends to transcript_entries; the snapshot, when unchanged, is not rewritten (TOAST keeps it).
CREATE TABLE sessions (
  tenant text NOT NULL,
  id text NOT NULL,
  info jsonb NOT NULL,
  graph_id text GENERATED ALWAYS AS (info ->> 'graphId') STORED,
  state text GENERATED ALWAYS AS (info ->> 'state') STORED,
  user_name text GENERATED ALWAYS AS (info ->> 'user') STORED,
  created_at double precision GENERATED ALWAYS AS ((info ->> 'createdAt')::double precision) STORED,
  last_active_at double precision GENERATED ALWAYS AS ((info ->> 'lastActiveAt')::double precision) STORED,
  transcript_length integer NOT NULL DEFAULT 0,
  snapshot jsonb,
  inbox jsonb,
  accepted text[] NOT NULL DEFAULT '{}',
  -- The write this row is at: an incremental write names the one it builds on (see sb_put_session).
  revision text NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX sessions_by_creation ON sessions (tenant, created_at, id);
CREATE INDEX sessions_by_activity ON sessions (tenant, last_active_at, id);

-- A session's transcript, one row per entry, numbered from 0.
CREATE TABLE transcript_entries (
  tenant text NOT NULL,
  session_id text NOT NULL,
  seq integer NOT NULL,
  entry jsonb NOT NULL,
  PRIMARY KEY (tenant, session_id, seq),
  FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE
);

-- Changes (runner/store/snapshot-change.ts) to apply in order to sessions.snapshot, so a turn writes only what it changed.
CREATE TABLE snapshot_changes (
  tenant text NOT NULL,
  session_id text NOT NULL,
  seq integer NOT NULL,
  change jsonb NOT NULL,
  PRIMARY KEY (tenant, session_id, seq),
  FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE
);

-- The highest fencing token a session's writes carried (session ids are global UUIDs).
CREATE TABLE session_fences (
  session_id text PRIMARY KEY,
  fence bigint NOT NULL
);

-- Long-term memory per tenant and user. user_key is the user as the embedded store names its file
-- (runner/store/store-paths.ts userFileName), so a data folder migrates key for key.
CREATE TABLE memories (
  tenant text NOT NULL,
  user_key text NOT NULL,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (tenant, user_key, key)
);

-- One session write in one statement, so the fence check cannot race the write it guards.
-- Refusals raise (and so change nothing): SBFEN a newer fence is stored (DETAIL: it),
-- SBCON the stored revision is not p_base, SBSHO the stored transcript is shorter than p_from (DETAIL: its length).
-- p_base NULL: the write carries everything. p_from NULL: p_entries is the whole transcript, else entries from p_from on.
-- p_snapshot_kind: 'keep', 'none', 'whole' (p_snapshot is it) or 'change' (p_snapshot is a change to append).
CREATE FUNCTION sb_put_session(
  p_tenant text, p_id text, p_fence bigint, p_info text, p_base text, p_revision text, p_inbox text,
  p_snapshot_kind text, p_snapshot text, p_accepted text[], p_from integer, p_entries text[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  stored_fence bigint;
  stored_revision text;
  stored_length integer;
  start integer := coalesce(p_from, 0);
BEGIN
  IF p_fence IS NOT NULL THEN
    INSERT INTO session_fences AS f (session_id, fence) VALUES (p_id, p_fence)
      ON CONFLICT (session_id) DO UPDATE SET fence = excluded.fence WHERE f.fence <= excluded.fence
      RETURNING fence INTO stored_fence;
    IF stored_fence IS NULL THEN
      SELECT fence INTO stored_fence FROM session_fences WHERE session_id = p_id;
      RAISE EXCEPTION 'session "%" write rejected: fence % is older than %', p_id, p_fence, stored_fence
        USING ERRCODE = 'SBFEN', DETAIL = stored_fence::text;
    END IF;
  END IF;
  SELECT revision, transcript_length INTO stored_revision, stored_length FROM sessions WHERE tenant = p_tenant AND id = p_id FOR UPDATE;
  IF p_base IS NOT NULL AND stored_revision IS DISTINCT FROM p_base THEN
    RAISE EXCEPTION 'session "%" changed in the store since this writer last wrote it', p_id USING ERRCODE = 'SBCON';
  END IF;
  IF start > coalesce(stored_length, 0) THEN
    RAISE EXCEPTION 'session "%": the stored transcript has % entries, the write starts at %', p_id, coalesce(stored_length, 0), start
      USING ERRCODE = 'SBSHO', DETAIL = coalesce(stored_length, 0)::text;
  END IF;
  INSERT INTO sessions AS s (tenant, id, info, transcript_length, snapshot, inbox, accepted, revision)
    VALUES (p_tenant, p_id, p_info::jsonb, start + coalesce(cardinality(p_entries), 0),
      CASE WHEN p_snapshot_kind = 'whole' THEN p_snapshot::jsonb END, p_inbox::jsonb, p_accepted, p_revision)
    ON CONFLICT (tenant, id) DO UPDATE SET
      info = excluded.info,
      transcript_length = excluded.transcript_length,
      snapshot = CASE p_snapshot_kind WHEN 'whole' THEN excluded.snapshot WHEN 'none' THEN NULL ELSE s.snapshot END,
      inbox = excluded.inbox,
      accepted = excluded.accepted,
      revision = excluded.revision;
  IF stored_length IS NOT NULL AND stored_length > start THEN
    DELETE FROM transcript_entries WHERE tenant = p_tenant AND session_id = p_id AND seq >= start;
  END IF;
  INSERT INTO transcript_entries (tenant, session_id, seq, entry)
    SELECT p_tenant, p_id, start + ord::integer - 1, e::jsonb FROM unnest(p_entries) WITH ORDINALITY AS t(e, ord);
  IF p_snapshot_kind = 'change' THEN
    INSERT INTO snapshot_changes (tenant, session_id, seq, change)
      SELECT p_tenant, p_id, coalesce(max(seq), 0) + 1, p_snapshot::jsonb FROM snapshot_changes WHERE tenant = p_tenant AND session_id = p_id;
  ELSIF p_snapshot_kind <> 'keep' AND stored_length IS NOT NULL THEN
    DELETE FROM snapshot_changes WHERE tenant = p_tenant AND session_id = p_id;
  END IF;
END;
$$;

-- Counting and writing under one lock per user, so concurrent writers cannot overfill a memory.
-- Returns whether the value was stored (false: the memory is full).
CREATE FUNCTION sb_set_memory(p_tenant text, p_user_key text, p_key text, p_value text, p_max integer)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('memory ' || p_tenant || ' ' || p_user_key));
  IF NOT EXISTS (SELECT 1 FROM memories WHERE tenant = p_tenant AND user_key = p_user_key AND key = p_key)
    AND (SELECT count(*) FROM memories WHERE tenant = p_tenant AND user_key = p_user_key) >= p_max THEN
    RETURN false;
  END IF;
  INSERT INTO memories (tenant, user_key, key, value) VALUES (p_tenant, p_user_key, p_key, p_value)
    ON CONFLICT (tenant, user_key, key) DO UPDATE SET value = excluded.value;
  RETURN true;
END;
$$;
