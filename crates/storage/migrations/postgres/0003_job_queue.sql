-- Job queue (data.md 6): migration 0002 created `jobs`; this adds what the queue needs.

-- Optimistic concurrency for coalescing: a merge into a pending job is conditioned on the
-- revision it read, so two requests merging at once never lose each other's analytics.
ALTER TABLE jobs ADD COLUMN revision integer NOT NULL DEFAULT 0;

-- The lease reaper reads the running jobs every minute.
CREATE INDEX jobs_running ON jobs (started_at) WHERE status = 'running';

-- One row per scheduled run and day: the primary key makes the daily batch (and the
-- retention clean-up) start exactly once however many instances tick (decision 5).
CREATE TABLE job_schedule_runs (
    name       text NOT NULL,
    run_day    date NOT NULL,
    job_id     uuid NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (name, run_day)
);
