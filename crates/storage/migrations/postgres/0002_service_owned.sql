-- Stores the service owns: identity, computed analytics, gamification, jobs (data.md 3.1, 3.3-3.5).
-- Departure from data.md (documented in ARCHITECTURE.md): keys that data.md makes
-- `UNIQUE NULLS NOT DISTINCT` use non-null sentinels instead (platform subject = nil UUID,
-- no role = 'none'), so that one upsert statement works on both PostgreSQL and SQLite.

-- Identity ------------------------------------------------------------------------------
CREATE TABLE user_accounts (
    user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash text NOT NULL,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE session_families (
    sid           uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    revoke_reason text CHECK (revoke_reason IN ('logout', 'reuse_detected', 'admin', 'user_disabled'))
);
CREATE INDEX session_families_user ON session_families (user_id);

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    sid        uuid NOT NULL REFERENCES session_families (sid) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX refresh_tokens_sid ON refresh_tokens (sid);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE revoked_access_tokens (
    jti        uuid PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_access_tokens_expiry ON revoked_access_tokens (expires_at);

-- Computed analytics (layer 2) ---------------------------------------------------------------
CREATE TABLE analytics_results (
    subject_type    text NOT NULL CHECK (subject_type IN ('user', 'organization', 'platform')),
    subject_id      uuid NOT NULL,
    role            text NOT NULL CHECK (role IN ('learner', 'trainer', 'org-admin', 'none')),
    analytics_type  text NOT NULL,
    params_key      text NOT NULL DEFAULT 'window=30d',
    organization_id uuid,
    data            jsonb,
    status          text NOT NULL CHECK (status IN ('complete', 'partial', 'insufficient_data')),
    low_confidence  boolean NOT NULL DEFAULT false,
    coverage        double precision NOT NULL CHECK (coverage BETWEEN 0 AND 1),
    warnings        jsonb NOT NULL DEFAULT '[]',
    calculated_at   timestamptz NOT NULL,
    calculation_ms  integer NOT NULL,
    job_id          uuid,
    PRIMARY KEY (subject_type, subject_id, role, analytics_type, params_key),
    CHECK ((subject_type = 'platform') = (role = 'none')),
    CHECK (subject_type <> 'organization' OR role = 'org-admin')
);
CREATE INDEX analytics_results_org ON analytics_results (organization_id, role, analytics_type);
CREATE INDEX analytics_results_calculated ON analytics_results (calculated_at);

-- Daily headline scores kept 90 days (decision 15).
CREATE TABLE analytics_history (
    subject_type   text NOT NULL,
    subject_id     uuid NOT NULL,
    role           text NOT NULL,
    analytics_type text NOT NULL,
    snapshot_date  date NOT NULL,
    headline       jsonb NOT NULL,
    calculated_at  timestamptz NOT NULL,
    PRIMARY KEY (subject_type, subject_id, role, analytics_type, snapshot_date)
);
CREATE INDEX analytics_history_date ON analytics_history (snapshot_date);

CREATE TABLE analytics_milestones (
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           text NOT NULL,
    analytics_type text NOT NULL,
    milestone_key  text NOT NULL,
    achieved_at    timestamptz NOT NULL,
    value          jsonb,
    PRIMARY KEY (user_id, role, analytics_type, milestone_key)
);

CREATE TABLE peer_metric_snapshots (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    snapshot_date    date NOT NULL,
    organization_id  uuid NOT NULL,
    department_id    uuid,
    roles            jsonb NOT NULL DEFAULT '[]',
    competency_level smallint,
    primary_path_id  uuid,
    metrics          jsonb NOT NULL,
    PRIMARY KEY (user_id, snapshot_date)
);
CREATE INDEX peer_metric_snapshots_org ON peer_metric_snapshots (organization_id, competency_level);
CREATE INDEX peer_metric_snapshots_path ON peer_metric_snapshots (primary_path_id);

-- Layer 3: aggregates kept 7 years, one partition per calendar year (data.md 3.3).
CREATE TABLE aggregated_analytics (
    period_start    date NOT NULL,
    period_end      date NOT NULL,
    granularity     text NOT NULL CHECK (granularity IN ('daily', 'weekly', 'monthly')),
    scope           text NOT NULL CHECK (scope IN ('organization', 'cohort', 'platform')),
    scope_key       text NOT NULL,
    organization_id uuid,
    role            text,
    analytics_type  text NOT NULL,
    sample_size     integer NOT NULL CHECK (sample_size >= 0),
    data            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, scope_key, analytics_type, granularity, period_start),
    CHECK (period_end > period_start),
    CHECK (scope = 'organization' OR sample_size >= 10)
) PARTITION BY RANGE (period_start);
CREATE INDEX aggregated_analytics_org ON aggregated_analytics (organization_id, period_start, period_end);
CREATE INDEX aggregated_analytics_type ON aggregated_analytics (granularity, analytics_type);
-- The cleanup job keeps the current and next two years present; these cover the first years.
CREATE TABLE aggregated_analytics_2025 PARTITION OF aggregated_analytics FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE aggregated_analytics_2026 PARTITION OF aggregated_analytics FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE aggregated_analytics_2027 PARTITION OF aggregated_analytics FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE TABLE aggregated_analytics_2028 PARTITION OF aggregated_analytics FOR VALUES FROM ('2028-01-01') TO ('2029-01-01');

CREATE TABLE recommendation_state (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL,
    rule_id    text NOT NULL,
    target_id  text NOT NULL,
    id         uuid NOT NULL UNIQUE,
    status     text NOT NULL CHECK (status IN ('new', 'saved', 'dismissed', 'completed', 'expired')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, role, rule_id, target_id)
);
CREATE INDEX recommendation_state_status ON recommendation_state (user_id, role, status);

-- Gamification (analytics.md 8) and preferences ------------------------------------------------
CREATE TABLE user_preferences (
    user_id              uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    opt_out_leaderboards boolean NOT NULL DEFAULT false,
    share_achievements   boolean NOT NULL DEFAULT true,
    ai_messages_enabled  boolean NOT NULL DEFAULT true,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE points_ledger (
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text NOT NULL,
    event_type      text NOT NULL CHECK (event_type IN ('course_completed', 'skill_acquired', 'assessment', 'practice_completed', 'streak_day', 'adjustment')),
    source_id       text NOT NULL,
    organization_id uuid,
    points          integer NOT NULL,
    occurred_at     timestamptz NOT NULL,
    PRIMARY KEY (user_id, role, event_type, source_id)
);
CREATE INDEX points_ledger_user_time ON points_ledger (user_id, role, occurred_at DESC);
CREATE INDEX points_ledger_org_time ON points_ledger (organization_id, role, occurred_at);

CREATE TABLE badge_awards (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      text NOT NULL,
    badge_id  text NOT NULL,
    earned_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, role, badge_id)
);
CREATE INDEX badge_awards_badge ON badge_awards (badge_id);

CREATE TABLE streak_state (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             text NOT NULL,
    current_streak   integer NOT NULL,
    longest_streak   integer NOT NULL,
    last_active_date date,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- Jobs (data.md 3.5, 6) -----------------------------------------------------------------
CREATE TABLE batch_runs (
    id           uuid PRIMARY KEY,
    run_date     date NOT NULL UNIQUE,
    status       text NOT NULL CHECK (status IN ('running', 'retrying', 'aggregating', 'completed', 'failed', 'cancelled')),
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    total_items  integer NOT NULL DEFAULT 0,
    succeeded    integer NOT NULL DEFAULT 0,
    partial      integer NOT NULL DEFAULT 0,
    insufficient integer NOT NULL DEFAULT 0,
    failed       integer NOT NULL DEFAULT 0,
    stats        jsonb,
    error        text
);

CREATE TABLE jobs (
    id                  uuid PRIMARY KEY,
    type                text NOT NULL,
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    priority            smallint NOT NULL DEFAULT 0,
    subject_type        text,
    subject_id          uuid,
    role                text,
    user_id             uuid REFERENCES users (id) ON DELETE CASCADE,
    request_id          text,
    coalesce_key        text,
    payload             jsonb NOT NULL DEFAULT '{}',
    queued_analytics    jsonb NOT NULL DEFAULT '[]',
    completed_analytics jsonb NOT NULL DEFAULT '[]',
    failed_analytics    jsonb NOT NULL DEFAULT '[]',
    progress            smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    stage               text,
    attempts            smallint NOT NULL DEFAULT 0,
    max_attempts        smallint NOT NULL,
    run_after           timestamptz NOT NULL,
    timeout_s           integer NOT NULL,
    locked_by           text,
    heartbeat_at        timestamptz,
    started_at          timestamptz,
    completed_at        timestamptz,
    result              jsonb,
    error               text,
    batch_id            uuid REFERENCES batch_runs (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_claim ON jobs (priority DESC, run_after, created_at) WHERE status = 'pending';
CREATE UNIQUE INDEX jobs_pending_coalesce ON jobs (coalesce_key) WHERE status = 'pending' AND coalesce_key IS NOT NULL;
CREATE INDEX jobs_running_coalesce ON jobs (coalesce_key) WHERE status = 'running';
CREATE INDEX jobs_user ON jobs (user_id, created_at DESC);
CREATE INDEX jobs_finished ON jobs (status, completed_at);
CREATE INDEX jobs_batch ON jobs (batch_id);

CREATE TABLE batch_items (
    batch_id     uuid NOT NULL REFERENCES batch_runs (id) ON DELETE CASCADE,
    item_no      integer NOT NULL,
    phase        smallint NOT NULL CHECK (phase IN (1, 2)),
    subject_type text NOT NULL,
    subject_id   uuid NOT NULL,
    role         text NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'partial', 'insufficient', 'failed')),
    attempts     smallint NOT NULL DEFAULT 0,
    error        text,
    finished_at  timestamptz,
    PRIMARY KEY (batch_id, item_no),
    UNIQUE (batch_id, subject_type, subject_id, role)
);
CREATE INDEX batch_items_progress ON batch_items (batch_id, phase, status);

CREATE TABLE job_schedules (
    name      text PRIMARY KEY,
    job_type  text NOT NULL,
    cron      text NOT NULL,
    timezone  text NOT NULL DEFAULT 'UTC',
    enabled   boolean NOT NULL DEFAULT true,
    last_slot timestamptz
);
INSERT INTO job_schedules (name, job_type, cron) VALUES
    ('daily-analytics-batch', 'daily-analytics-batch', '0 2 * * *'),
    ('leaderboard-refresh', 'leaderboard-refresh', '0 * * * *'),
    ('cleanup', 'cleanup', '30 4 * * *');

-- Shared fixed-window rate limits (data.md 3.5); unlogged: losing counters on a crash is harmless.
CREATE UNLOGGED TABLE rate_limit_counters (
    bucket_key        text PRIMARY KEY,
    window_started_at timestamptz NOT NULL,
    window_s          integer NOT NULL,
    count             integer NOT NULL
);
