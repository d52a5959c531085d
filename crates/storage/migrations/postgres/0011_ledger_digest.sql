-- The batch rewrites a (user, role)'s points-ledger rows only when the ledger changed.
--
-- Why: the ledger is derived again from the learning data every night, and almost all of it
-- is what the previous night wrote; upserting every row (about 67 per learner) was most of
-- the batch's writing. The digest of the ledger as last written sits beside the streak state
-- (one row per user and role, written in the same step); a missing digest means "write".
ALTER TABLE streak_state ADD COLUMN ledger_digest bigint;
