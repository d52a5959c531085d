-- Rate-limit counters every instance shares (data.md 3, api.md 3.4): the limits that must hold
-- across instances (manual refresh, login per IP) are counted here in fixed windows.
-- UNLOGGED: counters are worth nothing after a crash, and skipping the WAL keeps a counted
-- request to one cheap upsert. Epoch milliseconds instead of timestamptz (deviation, decided
-- here) so that one statement does the window arithmetic on both databases.
-- Migration 0002 created the table with a timestamp column and nothing ever wrote it.
DROP TABLE rate_limit_counters;
CREATE UNLOGGED TABLE rate_limit_counters (
    bucket_key        text PRIMARY KEY,
    window_started_ms bigint NOT NULL,
    window_s          integer NOT NULL CHECK (window_s > 0),
    count             integer NOT NULL CHECK (count > 0)
);
CREATE INDEX rate_limit_counters_window ON rate_limit_counters (window_started_ms);
-- Like every table (migration 0007): no policy for la_api, which holds no privilege on it.
ALTER TABLE rate_limit_counters ENABLE ROW LEVEL SECURITY;
