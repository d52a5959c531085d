-- The ingestion model of analytics.md section 9 (spec README decisions 1, 8, 11).
-- Every row carries `source` (upstream slug, 'push' or 'mock') and `synced_at`.
-- Internal ids are UUIDs; upstream ids that are not UUIDs are mapped to UUID v5 by the
-- application and kept in `external_id` where upstream calls need them.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    external_id text,
    name        text NOT NULL,
    timezone    text,
    settings    jsonb NOT NULL DEFAULT '{}',
    source      text NOT NULL,
    synced_at   timestamptz NOT NULL
);

CREATE TABLE departments (
    id        uuid PRIMARY KEY,
    org_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    parent_id uuid REFERENCES departments (id) ON DELETE SET NULL,
    name      text NOT NULL,
    source    text NOT NULL,
    synced_at timestamptz NOT NULL
);
CREATE INDEX departments_org ON departments (org_id);

CREATE TABLE teams (
    id        uuid PRIMARY KEY,
    org_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    parent_id uuid REFERENCES departments (id) ON DELETE SET NULL,
    name      text NOT NULL,
    source    text NOT NULL,
    synced_at timestamptz NOT NULL
);
CREATE INDEX teams_org ON teams (org_id);

CREATE TABLE users (
    id               uuid PRIMARY KEY,
    external_id      text,
    org_id           uuid REFERENCES organizations (id) ON DELETE CASCADE,
    department_id    uuid REFERENCES departments (id) ON DELETE SET NULL,
    team_id          uuid REFERENCES teams (id) ON DELETE SET NULL,
    display_name     text NOT NULL,
    email            text CHECK (email = lower(email)),
    roles            jsonb NOT NULL DEFAULT '[]',
    timezone         text,
    competency_level smallint NOT NULL CHECK (competency_level BETWEEN 0 AND 4),
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL,
    source           text NOT NULL,
    synced_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email) WHERE email IS NOT NULL;
CREATE INDEX users_org ON users (org_id, department_id);

CREATE TABLE sessions (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    last_activity_at timestamptz,
    device           text,
    course_id        uuid,
    source           text NOT NULL,
    synced_at        timestamptz NOT NULL
);
CREATE INDEX sessions_user_time ON sessions (user_id, started_at);
CREATE INDEX sessions_course_time ON sessions (course_id, started_at) WHERE course_id IS NOT NULL;

CREATE TABLE skills (
    id                     uuid PRIMARY KEY,
    name                   text NOT NULL,
    category               text NOT NULL,
    prerequisite_skill_ids jsonb NOT NULL DEFAULT '[]',
    source                 text NOT NULL,
    synced_at              timestamptz NOT NULL
);

CREATE TABLE courses (
    id                       uuid PRIMARY KEY,
    external_id              text,
    title                    text NOT NULL,
    category                 text NOT NULL,
    owner_org_id             uuid REFERENCES organizations (id) ON DELETE SET NULL,
    trainer_ids              jsonb NOT NULL DEFAULT '[]',
    is_active                boolean NOT NULL,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    estimated_duration_weeks double precision,
    target_completion_rate   double precision CHECK (target_completion_rate BETWEEN 0 AND 100),
    issues_certificate       boolean NOT NULL,
    taught_skills            jsonb NOT NULL DEFAULT '[]',
    source                   text NOT NULL,
    synced_at                timestamptz NOT NULL
);
CREATE INDEX courses_owner ON courses (owner_org_id);
CREATE INDEX courses_trainers ON courses USING gin (trainer_ids jsonb_path_ops);

CREATE TABLE modules (
    id              uuid PRIMARY KEY,
    course_id       uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    "order"         integer NOT NULL,
    name            text NOT NULL,
    estimated_hours double precision,
    topic_id        uuid,
    skill_ids       jsonb NOT NULL DEFAULT '[]',
    source          text NOT NULL,
    synced_at       timestamptz NOT NULL
);
CREATE INDEX modules_course ON modules (course_id, "order");

CREATE TABLE enrollments (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id        uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    enrolled_at      timestamptz NOT NULL,
    status           text NOT NULL CHECK (status IN ('active', 'completed', 'dropped')),
    progress_pct     double precision NOT NULL CHECK (progress_pct BETWEEN 0 AND 100),
    completed_at     timestamptz,
    last_activity_at timestamptz,
    assignment_type  text NOT NULL CHECK (assignment_type IN ('voluntary', 'mandatory')),
    due_date         date,
    source           text NOT NULL,
    synced_at        timestamptz NOT NULL
);
CREATE INDEX enrollments_user ON enrollments (user_id);
CREATE INDEX enrollments_course ON enrollments (course_id);

CREATE TABLE module_progress (
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module_id          uuid NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    started_at         timestamptz,
    completed_at       timestamptz,
    progress_pct       double precision NOT NULL CHECK (progress_pct BETWEEN 0 AND 100),
    time_spent_minutes double precision NOT NULL CHECK (time_spent_minutes >= 0),
    source             text NOT NULL,
    synced_at          timestamptz NOT NULL,
    PRIMARY KEY (user_id, module_id)
);
CREATE INDEX module_progress_module ON module_progress (module_id);

CREATE TABLE assessments (
    id             uuid PRIMARY KEY,
    course_id      uuid REFERENCES courses (id) ON DELETE CASCADE,
    module_id      uuid REFERENCES modules (id) ON DELETE SET NULL,
    kind           text NOT NULL CHECK (kind IN ('pre', 'post', 'quiz', 'exam')),
    max_score      double precision NOT NULL CHECK (max_score > 0),
    pass_threshold double precision CHECK (pass_threshold BETWEEN 0 AND 100),
    required       boolean NOT NULL,
    topic_id       uuid,
    skill_ids      jsonb NOT NULL DEFAULT '[]',
    due_at         timestamptz,
    source         text NOT NULL,
    synced_at      timestamptz NOT NULL
);
CREATE INDEX assessments_course ON assessments (course_id);

CREATE TABLE assessment_attempts (
    id               uuid PRIMARY KEY,
    assessment_id    uuid NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    attempt_no       integer NOT NULL CHECK (attempt_no >= 1),
    started_at       timestamptz NOT NULL,
    submitted_at     timestamptz NOT NULL,
    duration_minutes double precision NOT NULL CHECK (duration_minutes >= 0),
    score            double precision NOT NULL CHECK (score >= 0),
    max_score        double precision NOT NULL CHECK (max_score > 0),
    passed           boolean NOT NULL,
    question_results jsonb,
    source           text NOT NULL,
    synced_at        timestamptz NOT NULL,
    CHECK (score <= max_score)
);
CREATE INDEX attempts_user_time ON assessment_attempts (user_id, submitted_at);
CREATE INDEX attempts_assessment ON assessment_attempts (assessment_id);

CREATE TABLE user_skills (
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    skill_id      uuid NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    current_level smallint NOT NULL CHECK (current_level BETWEEN 0 AND 4),
    acquired      boolean NOT NULL,
    acquired_at   timestamptz,
    acquired_via  text CHECK (acquired_via IN ('assessment', 'devlab', 'course', 'manual')),
    updated_at    timestamptz NOT NULL,
    source        text NOT NULL,
    synced_at     timestamptz NOT NULL,
    PRIMARY KEY (user_id, skill_id)
);
CREATE INDEX user_skills_skill ON user_skills (skill_id);

CREATE TABLE skill_targets (
    user_id                uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    skill_id               uuid NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    target_level           smallint NOT NULL CHECK (target_level BETWEEN 0 AND 4),
    target_source          text NOT NULL CHECK (target_source IN ('value_proposition', 'path', 'personal')),
    business_priority      text NOT NULL CHECK (business_priority IN ('critical', 'high', 'medium', 'low')),
    business_justification text,
    deadline               date,
    source                 text NOT NULL,
    synced_at              timestamptz NOT NULL,
    PRIMARY KEY (user_id, skill_id, target_source)
);

CREATE TABLE skill_demand (
    skill_id      uuid NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    as_of         date NOT NULL,
    market_demand double precision NOT NULL CHECK (market_demand BETWEEN 0 AND 100),
    market_trend  text,
    source        text NOT NULL,
    synced_at     timestamptz NOT NULL,
    PRIMARY KEY (skill_id, as_of)
);

CREATE TABLE learning_paths (
    id                uuid PRIMARY KEY,
    name              text NOT NULL,
    difficulty        text NOT NULL CHECK (difficulty IN ('beginner', 'intermediate', 'advanced', 'expert')),
    target_competency smallint CHECK (target_competency BETWEEN 0 AND 4),
    topics            jsonb NOT NULL DEFAULT '[]',
    source            text NOT NULL,
    synced_at         timestamptz NOT NULL
);

CREATE TABLE user_learning_paths (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path_id          uuid NOT NULL REFERENCES learning_paths (id) ON DELETE CASCADE,
    status           text NOT NULL CHECK (status IN ('active', 'completed', 'paused')),
    started_at       timestamptz NOT NULL,
    target_date      date,
    topics_total     integer NOT NULL CHECK (topics_total >= 0),
    topics_completed integer NOT NULL CHECK (topics_completed >= 0),
    progress_pct     double precision NOT NULL CHECK (progress_pct BETWEEN 0 AND 100),
    completed_at     timestamptz,
    last_activity_at timestamptz NOT NULL,
    source           text NOT NULL,
    synced_at        timestamptz NOT NULL,
    PRIMARY KEY (user_id, path_id)
);
CREATE INDEX user_learning_paths_path ON user_learning_paths (path_id);

CREATE TABLE topic_completions (
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path_id      uuid NOT NULL REFERENCES learning_paths (id) ON DELETE CASCADE,
    topic_id     uuid NOT NULL,
    completed_at timestamptz NOT NULL,
    source       text NOT NULL,
    synced_at    timestamptz NOT NULL,
    PRIMARY KEY (user_id, path_id, topic_id)
);
CREATE INDEX topic_completions_user_time ON topic_completions (user_id, completed_at);

CREATE TABLE content_items (
    id              uuid PRIMARY KEY,
    external_id     text,
    course_id       uuid REFERENCES courses (id) ON DELETE CASCADE,
    module_id       uuid REFERENCES modules (id) ON DELETE SET NULL,
    title           text NOT NULL,
    content_type    text NOT NULL CHECK (content_type IN ('video', 'article', 'interactive', 'quiz', 'podcast', 'other')),
    creation_method text NOT NULL CHECK (creation_method IN ('manual', 'ai', 'hybrid')),
    created_by      uuid,
    created_at      timestamptz NOT NULL,
    owner_org_id    uuid REFERENCES organizations (id) ON DELETE SET NULL,
    source          text NOT NULL,
    synced_at       timestamptz NOT NULL
);
CREATE INDEX content_items_course ON content_items (course_id);
CREATE INDEX content_items_creator ON content_items (created_by) WHERE created_by IS NOT NULL;

CREATE TABLE content_interactions (
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_id          uuid NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    started_at          timestamptz NOT NULL,
    last_interaction_at timestamptz NOT NULL,
    duration_seconds    double precision NOT NULL CHECK (duration_seconds >= 0),
    progress_pct        double precision NOT NULL CHECK (progress_pct BETWEEN 0 AND 100),
    completed           boolean NOT NULL,
    completed_at        timestamptz,
    source              text NOT NULL,
    synced_at           timestamptz NOT NULL,
    PRIMARY KEY (user_id, content_id, started_at)
);
CREATE INDEX content_interactions_user_time ON content_interactions (user_id, started_at);
CREATE INDEX content_interactions_content ON content_interactions (content_id);

CREATE TABLE content_shares (
    content_id uuid NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    shared_by  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shared_at  timestamptz NOT NULL,
    source     text NOT NULL,
    synced_at  timestamptz NOT NULL,
    PRIMARY KEY (content_id, shared_by, shared_at)
);
CREATE INDEX content_shares_user ON content_shares (shared_by, shared_at);

CREATE TABLE help_requests (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    occurred_at timestamptz NOT NULL,
    course_id   uuid,
    source      text NOT NULL,
    synced_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, occurred_at)
);

CREATE TABLE practice_submissions (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic_id         uuid,
    skill_ids        jsonb NOT NULL DEFAULT '[]',
    started_at       timestamptz NOT NULL,
    completed_at     timestamptz,
    status           text NOT NULL CHECK (status IN ('completed', 'in_progress', 'abandoned')),
    passed           boolean NOT NULL,
    score            double precision,
    duration_minutes double precision NOT NULL CHECK (duration_minutes >= 0),
    source           text NOT NULL,
    synced_at        timestamptz NOT NULL
);
CREATE INDEX practice_submissions_user_time ON practice_submissions (user_id, started_at);

CREATE TABLE course_reviews (
    id         uuid PRIMARY KEY,
    course_id  uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    trainer_id uuid,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating     smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment    text,
    tags       jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL,
    source     text NOT NULL,
    synced_at  timestamptz NOT NULL
);
CREATE INDEX course_reviews_course ON course_reviews (course_id, created_at);

CREATE TABLE kpis (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    department_id    uuid REFERENCES departments (id) ON DELETE SET NULL,
    name             text NOT NULL,
    target           double precision NOT NULL,
    achieved         double precision NOT NULL,
    weight           double precision NOT NULL CHECK (weight >= 0),
    linked_skill_ids jsonb NOT NULL DEFAULT '[]',
    period_start     date NOT NULL,
    period_end       date NOT NULL,
    source           text NOT NULL,
    synced_at        timestamptz NOT NULL
);
CREATE INDEX kpis_org ON kpis (org_id);

CREATE TABLE value_propositions (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    period_start date NOT NULL,
    period_end   date,
    skills       jsonb NOT NULL DEFAULT '[]',
    applies_to   jsonb,
    source       text NOT NULL,
    synced_at    timestamptz NOT NULL
);
CREATE INDEX value_propositions_org ON value_propositions (org_id);

CREATE TABLE mentoring_events (
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('mentor', 'mentee', 'peer_support')),
    occurred_at timestamptz NOT NULL,
    source      text NOT NULL,
    synced_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, user_id, kind, occurred_at)
);

CREATE TABLE upstream_recommendations (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('path', 'skill', 'content')),
    target_id  text NOT NULL,
    reason     text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    source     text NOT NULL,
    synced_at  timestamptz NOT NULL
);
CREATE INDEX upstream_recommendations_user ON upstream_recommendations (user_id);

-- Coverage (decision 9): the last successful write per source and entity.
CREATE TABLE source_status (
    source          text NOT NULL,
    entity          text NOT NULL,
    last_success_at timestamptz,
    last_failure_at timestamptz,
    last_error      text,
    rows_written    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (source, entity)
);
