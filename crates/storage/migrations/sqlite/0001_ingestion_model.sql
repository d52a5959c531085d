-- SQLite mirror of migrations/postgres/0001_ingestion_model.sql: same tables, columns and keys; UUIDs are
-- 16-byte BLOBs, timestamps RFC 3339 UTC TEXT with milliseconds, JSON is TEXT, booleans 0/1.
-- The ingestion model of analytics.md section 9 (spec README decisions 1, 8, 11).
-- Every row carries `source` (upstream slug, 'push' or 'mock') and `synced_at`.
-- Internal ids are UUIDs; upstream ids that are not UUIDs are mapped to UUID v5 by the
-- application and kept in `external_id` where upstream calls need them.

CREATE TABLE organizations (
    id          BLOB PRIMARY KEY,
    external_id TEXT,
    name        TEXT NOT NULL,
    timezone    TEXT,
    settings    TEXT NOT NULL DEFAULT '{}',
    source      TEXT NOT NULL,
    synced_at   TEXT NOT NULL
) STRICT;

CREATE TABLE departments (
    id        BLOB PRIMARY KEY,
    org_id    BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    parent_id BLOB REFERENCES departments (id) ON DELETE SET NULL,
    name      TEXT NOT NULL,
    source    TEXT NOT NULL,
    synced_at TEXT NOT NULL
) STRICT;
CREATE INDEX departments_org ON departments (org_id);

CREATE TABLE teams (
    id        BLOB PRIMARY KEY,
    org_id    BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    parent_id BLOB REFERENCES departments (id) ON DELETE SET NULL,
    name      TEXT NOT NULL,
    source    TEXT NOT NULL,
    synced_at TEXT NOT NULL
) STRICT;
CREATE INDEX teams_org ON teams (org_id);

CREATE TABLE users (
    id               BLOB PRIMARY KEY,
    external_id      TEXT,
    org_id           BLOB REFERENCES organizations (id) ON DELETE CASCADE,
    department_id    BLOB REFERENCES departments (id) ON DELETE SET NULL,
    team_id          BLOB REFERENCES teams (id) ON DELETE SET NULL,
    display_name     TEXT NOT NULL,
    email            TEXT CHECK (email = lower(email)),
    roles            TEXT NOT NULL DEFAULT '[]',
    timezone         TEXT,
    competency_level INTEGER NOT NULL CHECK (competency_level BETWEEN 0 AND 4),
    is_active        INTEGER NOT NULL DEFAULT true,
    created_at       TEXT NOT NULL,
    source           TEXT NOT NULL,
    synced_at        TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX users_email ON users (email) WHERE email IS NOT NULL;
CREATE INDEX users_org ON users (org_id, department_id);

CREATE TABLE sessions (
    id               BLOB PRIMARY KEY,
    user_id          BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at       TEXT NOT NULL,
    ended_at         TEXT,
    last_activity_at TEXT,
    device           TEXT,
    course_id        BLOB,
    source           TEXT NOT NULL,
    synced_at        TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_user_time ON sessions (user_id, started_at);
CREATE INDEX sessions_course_time ON sessions (course_id, started_at) WHERE course_id IS NOT NULL;

CREATE TABLE skills (
    id                     BLOB PRIMARY KEY,
    name                   TEXT NOT NULL,
    category               TEXT NOT NULL,
    prerequisite_skill_ids TEXT NOT NULL DEFAULT '[]',
    source                 TEXT NOT NULL,
    synced_at              TEXT NOT NULL
) STRICT;

CREATE TABLE courses (
    id                       BLOB PRIMARY KEY,
    external_id              TEXT,
    title                    TEXT NOT NULL,
    category                 TEXT NOT NULL,
    owner_org_id             BLOB REFERENCES organizations (id) ON DELETE SET NULL,
    trainer_ids              TEXT NOT NULL DEFAULT '[]',
    is_active                INTEGER NOT NULL,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    estimated_duration_weeks REAL,
    target_completion_rate   REAL CHECK (target_completion_rate BETWEEN 0 AND 100),
    issues_certificate       INTEGER NOT NULL,
    taught_skills            TEXT NOT NULL DEFAULT '[]',
    source                   TEXT NOT NULL,
    synced_at                TEXT NOT NULL
) STRICT;
CREATE INDEX courses_owner ON courses (owner_org_id);

CREATE TABLE modules (
    id              BLOB PRIMARY KEY,
    course_id       BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    "order"         INTEGER NOT NULL,
    name            TEXT NOT NULL,
    estimated_hours REAL,
    topic_id        BLOB,
    skill_ids       TEXT NOT NULL DEFAULT '[]',
    source          TEXT NOT NULL,
    synced_at       TEXT NOT NULL
) STRICT;
CREATE INDEX modules_course ON modules (course_id, "order");

CREATE TABLE enrollments (
    id               BLOB PRIMARY KEY,
    user_id          BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id        BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    enrolled_at      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('active', 'completed', 'dropped')),
    progress_pct     REAL NOT NULL CHECK (progress_pct BETWEEN 0 AND 100),
    completed_at     TEXT,
    last_activity_at TEXT,
    assignment_type  TEXT NOT NULL CHECK (assignment_type IN ('voluntary', 'mandatory')),
    due_date         TEXT,
    source           TEXT NOT NULL,
    synced_at        TEXT NOT NULL
) STRICT;
CREATE INDEX enrollments_user ON enrollments (user_id);
CREATE INDEX enrollments_course ON enrollments (course_id);

CREATE TABLE module_progress (
    user_id            BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module_id          BLOB NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    started_at         TEXT,
    completed_at       TEXT,
    progress_pct       REAL NOT NULL CHECK (progress_pct BETWEEN 0 AND 100),
    time_spent_minutes REAL NOT NULL CHECK (time_spent_minutes >= 0),
    source             TEXT NOT NULL,
    synced_at          TEXT NOT NULL,
    PRIMARY KEY (user_id, module_id)
) STRICT;
CREATE INDEX module_progress_module ON module_progress (module_id);

CREATE TABLE assessments (
    id             BLOB PRIMARY KEY,
    course_id      BLOB REFERENCES courses (id) ON DELETE CASCADE,
    module_id      BLOB REFERENCES modules (id) ON DELETE SET NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('pre', 'post', 'quiz', 'exam')),
    max_score      REAL NOT NULL CHECK (max_score > 0),
    pass_threshold REAL CHECK (pass_threshold BETWEEN 0 AND 100),
    required       INTEGER NOT NULL,
    topic_id       BLOB,
    skill_ids      TEXT NOT NULL DEFAULT '[]',
    due_at         TEXT,
    source         TEXT NOT NULL,
    synced_at      TEXT NOT NULL
) STRICT;
CREATE INDEX assessments_course ON assessments (course_id);

CREATE TABLE assessment_attempts (
    id               BLOB PRIMARY KEY,
    assessment_id    BLOB NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    user_id          BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    attempt_no       INTEGER NOT NULL CHECK (attempt_no >= 1),
    started_at       TEXT NOT NULL,
    submitted_at     TEXT NOT NULL,
    duration_minutes REAL NOT NULL CHECK (duration_minutes >= 0),
    score            REAL NOT NULL CHECK (score >= 0),
    max_score        REAL NOT NULL CHECK (max_score > 0),
    passed           INTEGER NOT NULL,
    question_results TEXT,
    source           TEXT NOT NULL,
    synced_at        TEXT NOT NULL,
    CHECK (score <= max_score)
) STRICT;
CREATE INDEX attempts_user_time ON assessment_attempts (user_id, submitted_at);
CREATE INDEX attempts_assessment ON assessment_attempts (assessment_id);

CREATE TABLE user_skills (
    user_id       BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    skill_id      BLOB NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    current_level INTEGER NOT NULL CHECK (current_level BETWEEN 0 AND 4),
    acquired      INTEGER NOT NULL,
    acquired_at   TEXT,
    acquired_via  TEXT CHECK (acquired_via IN ('assessment', 'devlab', 'course', 'manual')),
    updated_at    TEXT NOT NULL,
    source        TEXT NOT NULL,
    synced_at     TEXT NOT NULL,
    PRIMARY KEY (user_id, skill_id)
) STRICT;
CREATE INDEX user_skills_skill ON user_skills (skill_id);

CREATE TABLE skill_targets (
    user_id                BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    skill_id               BLOB NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    target_level           INTEGER NOT NULL CHECK (target_level BETWEEN 0 AND 4),
    target_source          TEXT NOT NULL CHECK (target_source IN ('value_proposition', 'path', 'personal')),
    business_priority      TEXT NOT NULL CHECK (business_priority IN ('critical', 'high', 'medium', 'low')),
    business_justification TEXT,
    deadline               TEXT,
    source                 TEXT NOT NULL,
    synced_at              TEXT NOT NULL,
    PRIMARY KEY (user_id, skill_id, target_source)
) STRICT;

CREATE TABLE skill_demand (
    skill_id      BLOB NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    as_of         TEXT NOT NULL,
    market_demand REAL NOT NULL CHECK (market_demand BETWEEN 0 AND 100),
    market_trend  TEXT,
    source        TEXT NOT NULL,
    synced_at     TEXT NOT NULL,
    PRIMARY KEY (skill_id, as_of)
) STRICT;

CREATE TABLE learning_paths (
    id                BLOB PRIMARY KEY,
    name              TEXT NOT NULL,
    difficulty        TEXT NOT NULL CHECK (difficulty IN ('beginner', 'intermediate', 'advanced', 'expert')),
    target_competency INTEGER CHECK (target_competency BETWEEN 0 AND 4),
    topics            TEXT NOT NULL DEFAULT '[]',
    source            TEXT NOT NULL,
    synced_at         TEXT NOT NULL
) STRICT;

CREATE TABLE user_learning_paths (
    user_id          BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path_id          BLOB NOT NULL REFERENCES learning_paths (id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('active', 'completed', 'paused')),
    started_at       TEXT NOT NULL,
    target_date      TEXT,
    topics_total     INTEGER NOT NULL CHECK (topics_total >= 0),
    topics_completed INTEGER NOT NULL CHECK (topics_completed >= 0),
    progress_pct     REAL NOT NULL CHECK (progress_pct BETWEEN 0 AND 100),
    completed_at     TEXT,
    last_activity_at TEXT NOT NULL,
    source           TEXT NOT NULL,
    synced_at        TEXT NOT NULL,
    PRIMARY KEY (user_id, path_id)
) STRICT;
CREATE INDEX user_learning_paths_path ON user_learning_paths (path_id);

CREATE TABLE topic_completions (
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path_id      BLOB NOT NULL REFERENCES learning_paths (id) ON DELETE CASCADE,
    topic_id     BLOB NOT NULL,
    completed_at TEXT NOT NULL,
    source       TEXT NOT NULL,
    synced_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, path_id, topic_id)
) STRICT;
CREATE INDEX topic_completions_user_time ON topic_completions (user_id, completed_at);

CREATE TABLE content_items (
    id              BLOB PRIMARY KEY,
    external_id     TEXT,
    course_id       BLOB REFERENCES courses (id) ON DELETE CASCADE,
    module_id       BLOB REFERENCES modules (id) ON DELETE SET NULL,
    title           TEXT NOT NULL,
    content_type    TEXT NOT NULL CHECK (content_type IN ('video', 'article', 'interactive', 'quiz', 'podcast', 'other')),
    creation_method TEXT NOT NULL CHECK (creation_method IN ('manual', 'ai', 'hybrid')),
    created_by      BLOB,
    created_at      TEXT NOT NULL,
    owner_org_id    BLOB REFERENCES organizations (id) ON DELETE SET NULL,
    source          TEXT NOT NULL,
    synced_at       TEXT NOT NULL
) STRICT;
CREATE INDEX content_items_course ON content_items (course_id);
CREATE INDEX content_items_creator ON content_items (created_by) WHERE created_by IS NOT NULL;

CREATE TABLE content_interactions (
    user_id             BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_id          BLOB NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    started_at          TEXT NOT NULL,
    last_interaction_at TEXT NOT NULL,
    duration_seconds    REAL NOT NULL CHECK (duration_seconds >= 0),
    progress_pct        REAL NOT NULL CHECK (progress_pct BETWEEN 0 AND 100),
    completed           INTEGER NOT NULL,
    completed_at        TEXT,
    source              TEXT NOT NULL,
    synced_at           TEXT NOT NULL,
    PRIMARY KEY (user_id, content_id, started_at)
) STRICT;
CREATE INDEX content_interactions_user_time ON content_interactions (user_id, started_at);
CREATE INDEX content_interactions_content ON content_interactions (content_id);

CREATE TABLE content_shares (
    content_id BLOB NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    shared_by  BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shared_at  TEXT NOT NULL,
    source     TEXT NOT NULL,
    synced_at  TEXT NOT NULL,
    PRIMARY KEY (content_id, shared_by, shared_at)
) STRICT;
CREATE INDEX content_shares_user ON content_shares (shared_by, shared_at);

CREATE TABLE help_requests (
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    occurred_at TEXT NOT NULL,
    course_id   BLOB,
    source      TEXT NOT NULL,
    synced_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, occurred_at)
) STRICT;

CREATE TABLE practice_submissions (
    id               BLOB PRIMARY KEY,
    user_id          BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic_id         BLOB,
    skill_ids        TEXT NOT NULL DEFAULT '[]',
    started_at       TEXT NOT NULL,
    completed_at     TEXT,
    status           TEXT NOT NULL CHECK (status IN ('completed', 'in_progress', 'abandoned')),
    passed           INTEGER NOT NULL,
    score            REAL,
    duration_minutes REAL NOT NULL CHECK (duration_minutes >= 0),
    source           TEXT NOT NULL,
    synced_at        TEXT NOT NULL
) STRICT;
CREATE INDEX practice_submissions_user_time ON practice_submissions (user_id, started_at);

CREATE TABLE course_reviews (
    id         BLOB PRIMARY KEY,
    course_id  BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    trainer_id BLOB,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment    TEXT,
    tags       TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    source     TEXT NOT NULL,
    synced_at  TEXT NOT NULL
) STRICT;
CREATE INDEX course_reviews_course ON course_reviews (course_id, created_at);

CREATE TABLE kpis (
    id               BLOB PRIMARY KEY,
    org_id           BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    department_id    BLOB REFERENCES departments (id) ON DELETE SET NULL,
    name             TEXT NOT NULL,
    target           REAL NOT NULL,
    achieved         REAL NOT NULL,
    weight           REAL NOT NULL CHECK (weight >= 0),
    linked_skill_ids TEXT NOT NULL DEFAULT '[]',
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    source           TEXT NOT NULL,
    synced_at        TEXT NOT NULL
) STRICT;
CREATE INDEX kpis_org ON kpis (org_id);

CREATE TABLE value_propositions (
    id           BLOB PRIMARY KEY,
    org_id       BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    period_start TEXT NOT NULL,
    period_end   TEXT,
    skills       TEXT NOT NULL DEFAULT '[]',
    applies_to   TEXT,
    source       TEXT NOT NULL,
    synced_at    TEXT NOT NULL
) STRICT;
CREATE INDEX value_propositions_org ON value_propositions (org_id);

CREATE TABLE mentoring_events (
    org_id      BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('mentor', 'mentee', 'peer_support')),
    occurred_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    synced_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id, kind, occurred_at)
) STRICT;

CREATE TABLE upstream_recommendations (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('path', 'skill', 'content')),
    target_id  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    source     TEXT NOT NULL,
    synced_at  TEXT NOT NULL
) STRICT;
CREATE INDEX upstream_recommendations_user ON upstream_recommendations (user_id);

-- Coverage (decision 9): the last successful write per source and entity.
CREATE TABLE source_status (
    source          TEXT NOT NULL,
    entity          TEXT NOT NULL,
    last_success_at TEXT,
    last_failure_at TEXT,
    last_error      TEXT,
    rows_written    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, entity)
) STRICT;
