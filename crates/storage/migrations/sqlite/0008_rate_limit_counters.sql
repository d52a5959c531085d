-- Rate-limit counters (mirrors the PostgreSQL migration 0008; SQLite has no UNLOGGED tables).
-- Migration 0002 created the table with a timestamp column and nothing ever wrote it.
DROP TABLE rate_limit_counters;
CREATE TABLE rate_limit_counters (
    bucket_key        TEXT PRIMARY KEY,
    window_started_ms INTEGER NOT NULL,
    window_s          INTEGER NOT NULL CHECK (window_s > 0),
    count             INTEGER NOT NULL CHECK (count > 0)
) STRICT;
CREATE INDEX rate_limit_counters_window ON rate_limit_counters (window_started_ms);
