-- Stores the service owns: identity, computed analytics, gamification, jobs (data.md 3.1, 3.3-3.5).
-- SQLite mirror of migrations/postgres/0002_service_owned.sql: same tables, columns and keys; UUIDs are
-- 16-byte BLOBs, timestamps RFC 3339 UTC TEXT with milliseconds, JSON is TEXT, booleans 0/1.
-- Departure from data.md (documented in ARCHITECTURE.md): keys that data.md makes
-- `UNIQUE NULLS NOT DISTINCT` use non-null sentinels instead (platform subject = nil UUID,
-- no role = 'none'), so that one upsert statement works on both PostgreSQL and SQLite.

-- Identity ------------------------------------------------------------------------------
CREATE TABLE user_accounts (
    user_id       BLOB PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    last_login_at TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE session_families (
    sid           BLOB PRIMARY KEY,
    user_id       BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_used_at  TEXT,
    revoked_at    TEXT,
    revoke_reason TEXT CHECK (revoke_reason IN ('logout', 'reuse_detected', 'admin', 'user_disabled'))
) STRICT;
CREATE INDEX session_families_user ON session_families (user_id);

CREATE TABLE refresh_tokens (
    id         BLOB PRIMARY KEY,
    sid        BLOB NOT NULL REFERENCES session_families (sid) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;
CREATE INDEX refresh_tokens_sid ON refresh_tokens (sid);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE revoked_access_tokens (
    jti        BLOB PRIMARY KEY,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX revoked_access_tokens_expiry ON revoked_access_tokens (expires_at);

-- Computed analytics (layer 2) ---------------------------------------------------------------
CREATE TABLE analytics_results (
    subject_type    TEXT NOT NULL CHECK (subject_type IN ('user', 'organization', 'platform')),
    subject_id      BLOB NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('learner', 'trainer', 'org-admin', 'none')),
    analytics_type  TEXT NOT NULL,
    params_key      TEXT NOT NULL DEFAULT 'window=30d',
    organization_id BLOB,
    data            TEXT,
    status          TEXT NOT NULL CHECK (status IN ('complete', 'partial', 'insufficient_data')),
    low_confidence  INTEGER NOT NULL DEFAULT false,
    coverage        REAL NOT NULL CHECK (coverage BETWEEN 0 AND 1),
    warnings        TEXT NOT NULL DEFAULT '[]',
    calculated_at   TEXT NOT NULL,
    calculation_ms  INTEGER NOT NULL,
    job_id          BLOB,
    PRIMARY KEY (subject_type, subject_id, role, analytics_type, params_key),
    CHECK ((subject_type = 'platform') = (role = 'none')),
    CHECK (subject_type <> 'organization' OR role = 'org-admin')
) STRICT;
CREATE INDEX analytics_results_org ON analytics_results (organization_id, role, analytics_type);
CREATE INDEX analytics_results_calculated ON analytics_results (calculated_at);

-- Daily headline scores kept 90 days (decision 15).
CREATE TABLE analytics_history (
    subject_type   TEXT NOT NULL,
    subject_id     BLOB NOT NULL,
    role           TEXT NOT NULL,
    analytics_type TEXT NOT NULL,
    snapshot_date  TEXT NOT NULL,
    headline       TEXT NOT NULL,
    calculated_at  TEXT NOT NULL,
    PRIMARY KEY (subject_type, subject_id, role, analytics_type, snapshot_date)
) STRICT;
CREATE INDEX analytics_history_date ON analytics_history (snapshot_date);

CREATE TABLE analytics_milestones (
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           TEXT NOT NULL,
    analytics_type TEXT NOT NULL,
    milestone_key  TEXT NOT NULL,
    achieved_at    TEXT NOT NULL,
    value          TEXT,
    PRIMARY KEY (user_id, role, analytics_type, milestone_key)
) STRICT;

CREATE TABLE peer_metric_snapshots (
    user_id          BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    snapshot_date    TEXT NOT NULL,
    organization_id  BLOB NOT NULL,
    department_id    BLOB,
    roles            TEXT NOT NULL DEFAULT '[]',
    competency_level INTEGER,
    primary_path_id  BLOB,
    metrics          TEXT NOT NULL,
    PRIMARY KEY (user_id, snapshot_date)
) STRICT;
CREATE INDEX peer_metric_snapshots_org ON peer_metric_snapshots (organization_id, competency_level);
CREATE INDEX peer_metric_snapshots_path ON peer_metric_snapshots (primary_path_id);

-- Layer 3: aggregates kept 7 years (yearly partitions exist only on PostgreSQL).
CREATE TABLE aggregated_analytics (
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    granularity     TEXT NOT NULL CHECK (granularity IN ('daily', 'weekly', 'monthly')),
    scope           TEXT NOT NULL CHECK (scope IN ('organization', 'cohort', 'platform')),
    scope_key       TEXT NOT NULL,
    organization_id BLOB,
    role            TEXT,
    analytics_type  TEXT NOT NULL,
    sample_size     INTEGER NOT NULL CHECK (sample_size >= 0),
    data            TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (scope, scope_key, analytics_type, granularity, period_start),
    CHECK (period_end > period_start),
    CHECK (scope = 'organization' OR sample_size >= 10)
) STRICT;
CREATE INDEX aggregated_analytics_org ON aggregated_analytics (organization_id, period_start, period_end);
CREATE INDEX aggregated_analytics_type ON aggregated_analytics (granularity, analytics_type);

CREATE TABLE recommendation_state (
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    rule_id    TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    id         BLOB NOT NULL UNIQUE,
    status     TEXT NOT NULL CHECK (status IN ('new', 'saved', 'dismissed', 'completed', 'expired')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, role, rule_id, target_id)
) STRICT;
CREATE INDEX recommendation_state_status ON recommendation_state (user_id, role, status);

-- Gamification (analytics.md 8) and preferences ------------------------------------------------
CREATE TABLE user_preferences (
    user_id              BLOB PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    opt_out_leaderboards INTEGER NOT NULL DEFAULT false,
    share_achievements   INTEGER NOT NULL DEFAULT true,
    ai_messages_enabled  INTEGER NOT NULL DEFAULT true,
    updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE points_ledger (
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    event_type      TEXT NOT NULL CHECK (event_type IN ('course_completed', 'skill_acquired', 'assessment', 'practice_completed', 'streak_day', 'adjustment')),
    source_id       TEXT NOT NULL,
    organization_id BLOB,
    points          INTEGER NOT NULL,
    occurred_at     TEXT NOT NULL,
    PRIMARY KEY (user_id, role, event_type, source_id)
) STRICT;
CREATE INDEX points_ledger_user_time ON points_ledger (user_id, role, occurred_at DESC);
CREATE INDEX points_ledger_org_time ON points_ledger (organization_id, role, occurred_at);

CREATE TABLE badge_awards (
    user_id   BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL,
    badge_id  TEXT NOT NULL,
    earned_at TEXT NOT NULL,
    PRIMARY KEY (user_id, role, badge_id)
) STRICT;
CREATE INDEX badge_awards_badge ON badge_awards (badge_id);

CREATE TABLE streak_state (
    user_id          BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             TEXT NOT NULL,
    current_streak   INTEGER NOT NULL,
    longest_streak   INTEGER NOT NULL,
    last_active_date TEXT,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
) STRICT;

-- Jobs (data.md 3.5, 6) -----------------------------------------------------------------
CREATE TABLE batch_runs (
    id           BLOB PRIMARY KEY,
    run_date     TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL CHECK (status IN ('running', 'retrying', 'aggregating', 'completed', 'failed', 'cancelled')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    total_items  INTEGER NOT NULL DEFAULT 0,
    succeeded    INTEGER NOT NULL DEFAULT 0,
    partial      INTEGER NOT NULL DEFAULT 0,
    insufficient INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    stats        TEXT,
    error        TEXT
) STRICT;

CREATE TABLE jobs (
    id                  BLOB PRIMARY KEY,
    type                TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    priority            INTEGER NOT NULL DEFAULT 0,
    subject_type        TEXT,
    subject_id          BLOB,
    role                TEXT,
    user_id             BLOB REFERENCES users (id) ON DELETE CASCADE,
    request_id          TEXT,
    coalesce_key        TEXT,
    payload             TEXT NOT NULL DEFAULT '{}',
    queued_analytics    TEXT NOT NULL DEFAULT '[]',
    completed_analytics TEXT NOT NULL DEFAULT '[]',
    failed_analytics    TEXT NOT NULL DEFAULT '[]',
    progress            INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    stage               TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    max_attempts        INTEGER NOT NULL,
    run_after           TEXT NOT NULL,
    timeout_s           INTEGER NOT NULL,
    locked_by           TEXT,
    heartbeat_at        TEXT,
    started_at          TEXT,
    completed_at        TEXT,
    result              TEXT,
    error               TEXT,
    batch_id            BLOB REFERENCES batch_runs (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX jobs_claim ON jobs (priority DESC, run_after, created_at) WHERE status = 'pending';
CREATE UNIQUE INDEX jobs_pending_coalesce ON jobs (coalesce_key) WHERE status = 'pending' AND coalesce_key IS NOT NULL;
CREATE INDEX jobs_running_coalesce ON jobs (coalesce_key) WHERE status = 'running';
CREATE INDEX jobs_user ON jobs (user_id, created_at DESC);
CREATE INDEX jobs_finished ON jobs (status, completed_at);
CREATE INDEX jobs_batch ON jobs (batch_id);

CREATE TABLE batch_items (
    batch_id     BLOB NOT NULL REFERENCES batch_runs (id) ON DELETE CASCADE,
    item_no      INTEGER NOT NULL,
    phase        INTEGER NOT NULL CHECK (phase IN (1, 2)),
    subject_type TEXT NOT NULL,
    subject_id   BLOB NOT NULL,
    role         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'partial', 'insufficient', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    finished_at  TEXT,
    PRIMARY KEY (batch_id, item_no),
    UNIQUE (batch_id, subject_type, subject_id, role)
) STRICT;
CREATE INDEX batch_items_progress ON batch_items (batch_id, phase, status);

CREATE TABLE job_schedules (
    name      TEXT PRIMARY KEY,
    job_type  TEXT NOT NULL,
    cron      TEXT NOT NULL,
    timezone  TEXT NOT NULL DEFAULT 'UTC',
    enabled   INTEGER NOT NULL DEFAULT true,
    last_slot TEXT
) STRICT;
INSERT INTO job_schedules (name, job_type, cron) VALUES
    ('daily-analytics-batch', 'daily-analytics-batch', '0 2 * * *'),
    ('leaderboard-refresh', 'leaderboard-refresh', '0 * * * *'),
    ('cleanup', 'cleanup', '30 4 * * *');

-- Shared fixed-window rate limits (data.md 3.5).
CREATE TABLE rate_limit_counters (
    bucket_key        TEXT PRIMARY KEY,
    window_started_at TEXT NOT NULL,
    window_s          INTEGER NOT NULL,
    count             INTEGER NOT NULL
) STRICT;
