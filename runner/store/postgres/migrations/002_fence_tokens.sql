-- Fencing tokens for cluster leases (runner/cluster/postgres-durable.ts). Postgres + Redis keeps
-- the leases in Redis, which may be flushed or restarted; a token drawn from this sequence is
-- still above every token issued before, so the fence check in sb_put_session keeps refusing
-- the writes of an owner from before. Starts above any fence already stored.
CREATE SEQUENCE fence_tokens;
SELECT setval('fence_tokens', (SELECT coalesce(max(fence), 0) + 1 FROM session_fences), false);
