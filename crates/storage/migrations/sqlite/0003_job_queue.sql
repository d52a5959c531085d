-- Job queue (data.md 6): SQLite mirror of migrations/postgres/0003_job_queue.sql.

ALTER TABLE jobs ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE INDEX jobs_running ON jobs (started_at) WHERE status = 'running';

CREATE TABLE job_schedule_runs (
    name       TEXT NOT NULL,
    run_day    TEXT NOT NULL,
    job_id     BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (name, run_day)
) STRICT;
