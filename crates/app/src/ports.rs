//! Ports: the small traits through which use cases reach storage and the outside world.
//!
//! Adapters (the `la-storage` crate, later upstream clients and the job runner) implement
//! them; the HTTP layer and the binary only ever hold `Arc<dyn …>` of these. Methods are
//! coarse (one per use-case query, in domain types) so that each database adapter can write
//! the best SQL for its dialect.

use crate::results::{ResultKey, StoredResult, SubjectType};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use la_domain::analytics::gamification::badges::BadgeAward;
use la_domain::analytics::gamification::points::LedgerEntry;
use la_domain::analytics::gamification::streaks::StreakState;
use la_domain::model::{Dataset, EntityKind, Provenance};
use la_domain::{OrgId, UserId};

/// Which database an adapter talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A storage failure, stripped of driver types so that they never reach the HTTP layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or timed out (maps to 503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A named constraint refused the write (e.g. a reference to an unknown row).
    #[error("constraint `{constraint}` violated: {message}")]
    Constraint { constraint: String, message: String },
    /// Stored data that does not decode into the domain (a bug or a manual edit).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Other(String),
}

/// How many rows a bulk write touched, per entity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub rows: Vec<(EntityKind, u64)>,
}

impl WriteSummary {
    /// Adds `rows` to the entity's count.
    pub fn add(&mut self, kind: EntityKind, rows: u64) {
        match self.rows.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += rows,
            None => self.rows.push((kind, rows)),
        }
    }

    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Liveness and size facts about the database, for `/api/health` and `/api/status`.
#[async_trait]
pub trait SystemStore: Send + Sync {
    fn backend(&self) -> Backend;
    /// A round trip to the database.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Rows per ingestion entity.
    async fn entity_counts(&self) -> Result<Vec<(EntityKind, u64)>, StoreError>;
}

/// Writes of the ingestion model (collectors, push ingestion, demo seeding).
#[async_trait]
pub trait IngestionStore: Send + Sync {
    /// Upserts every record of `data` by its key in one transaction, in dependency order
    /// (organisations before users before enrollments …), stamping each row with `provenance`.
    async fn write_dataset(
        &self,
        data: &Dataset,
        provenance: Provenance,
    ) -> Result<WriteSummary, StoreError>;

    /// Whether nothing has been ingested yet (no organisation stored).
    async fn is_empty(&self) -> Result<bool, StoreError>;
}

/// Bulk reads of the ingestion model for the analytics batch: a few queries per entity,
/// never one per learner.
#[async_trait]
pub trait AnalyticsInputStore: Send + Sync {
    async fn organization_ids(&self) -> Result<Vec<OrgId>, StoreError>;
    /// The platform catalogue (skills, demand, courses, modules, assessments, paths, content).
    async fn load_catalog(&self) -> Result<Dataset, StoreError>;
    /// One organisation: structure, goals, members, and every activity row of its members.
    async fn load_organization(&self, org: OrgId) -> Result<Dataset, StoreError>;
}

/// One counted request in a shared fixed window (data.md 3, `rate_limit_counters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    /// Requests in the current window, this one included.
    pub count: u32,
    pub window_started_at: DateTime<Utc>,
}

/// Rate-limit counters every instance shares (`api.md` 3.4 needs a shared store).
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Counts one request on `bucket`, atomically across instances: the bucket's window starts
    /// at its first request and restarts at the first request after it has expired.
    async fn rate_limit_hit(
        &self,
        bucket: &str,
        window: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<WindowCount, StoreError>;
}

/// Who reads through the API, as the database's row-level security sees it (data.md 4.2):
/// the token's subject and organisation and the validated active role. No role = no rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadContext {
    pub user_id: UserId,
    pub organization_id: Option<OrgId>,
    pub role: Option<la_domain::Role>,
}

/// Computed analytics (layer 2).
#[async_trait]
pub trait ResultStore: Send + Sync {
    /// Upserts results by key in one transaction (running twice leaves the same rows).
    async fn upsert_results(&self, results: &[StoredResult]) -> Result<(), StoreError>;
    async fn get_result(&self, key: &ResultKey) -> Result<Option<StoredResult>, StoreError>;
    /// The stored result for `key` as `reader` may see it: on PostgreSQL the read runs as the
    /// `la_api` role under row-level security (data.md 4), so a row the policies hide is
    /// `None` even if the HTTP checks had let the request through. SQLite has no row-level
    /// security; there this equals [`ResultStore::get_result`] and the HTTP checks, complete
    /// on their own (`api.md` 3.6), are the only guard.
    async fn get_result_for(
        &self,
        reader: &ReadContext,
        key: &ResultKey,
    ) -> Result<Option<StoredResult>, StoreError>;
    /// Every stored result of one subject and role (all types and parameter sets).
    async fn subject_results(
        &self,
        subject_type: SubjectType,
        subject_id: uuid::Uuid,
        role: Option<la_domain::Role>,
    ) -> Result<Vec<StoredResult>, StoreError>;
}

/// One (user, role)'s gamification state as the batch derives it (decision 16).
#[derive(Debug, Clone, PartialEq)]
pub struct GamificationState {
    pub user_id: UserId,
    pub role: la_domain::Role,
    pub organization_id: Option<OrgId>,
    pub ledger: Vec<LedgerEntry>,
    /// [`la_domain::analytics::gamification::points::ledger_digest`] of `ledger`, stored with
    /// the streak row.
    pub ledger_digest: i64,
    /// Whether the stored ledger differs (another digest, or none): only then are its rows
    /// written.
    pub ledger_changed: bool,
    /// Badges reached and not stored yet (awards are permanent).
    pub new_awards: Vec<BadgeAward>,
    pub streak: StreakState,
    pub updated_at: DateTime<Utc>,
}

/// The service-owned gamification stores: points ledger, badge awards, streak state.
#[async_trait]
pub trait GamificationStore: Send + Sync {
    /// Upserts ledger entries and streak rows and inserts new awards, idempotently.
    async fn write_gamification(&self, states: &[GamificationState]) -> Result<(), StoreError>;
    /// Called before a batch's [`GamificationStore::write_gamification`] calls. When the
    /// points ledger is empty (a platform's first batch), the store may set up for a bulk
    /// fill, such as deferring indexes the rows reach in no useful order or per-row
    /// constraint checks; otherwise it undoes what a fill cut short left set up.
    async fn begin_ledger_fill(&self) -> Result<(), StoreError>;
    /// Called after those writes, whether they succeeded or not: the ledger is back in its
    /// usual shape (an index deferred by [`GamificationStore::begin_ledger_fill`] is built).
    async fn end_ledger_fill(&self) -> Result<(), StoreError>;
    /// Every stored badge award per (user, role).
    async fn badge_awards(
        &self,
    ) -> Result<std::collections::BTreeMap<(UserId, la_domain::Role), Vec<BadgeAward>>, StoreError>;
    /// The ledger digest stored with each (user, role)'s streak row, where there is one.
    async fn ledger_digests(
        &self,
    ) -> Result<std::collections::BTreeMap<(UserId, la_domain::Role), i64>, StoreError>;
}

/// A local login account (the credential store of `api.md` 3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user_id: UserId,
    pub password_hash: String,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// The service's own credential store.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates or replaces the account of an existing user.
    async fn upsert_account(&self, user_id: UserId, password_hash: &str) -> Result<(), StoreError>;
    async fn find_account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError>;
}

/// What the API shows of a user who logs in (`api.md` 2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub id: UserId,
    pub email: Option<String>,
    pub full_name: String,
    pub roles: Vec<la_domain::Role>,
    pub organization_id: Option<OrgId>,
    pub is_active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A refresh token to store: only its SHA-256 hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefreshToken {
    pub id: uuid::Uuid,
    pub hash: Vec<u8>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored refresh token with the state of its family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefreshToken {
    pub id: uuid::Uuid,
    pub sid: uuid::Uuid,
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub family_revoked: bool,
}

/// Why a session family was revoked (`session_families.revoke_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    Logout,
    ReuseDetected,
}

impl RevokeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Logout => "logout",
            RevokeReason::ReuseDetected => "reuse_detected",
        }
    }
}

/// What an access token's session looks like now (`api.md` 3.1 checks beyond the signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCheck {
    /// The family is unknown or revoked.
    pub session_revoked: bool,
    pub token_revoked: bool,
    pub user_active: bool,
}

/// Sessions (refresh-token families), refresh tokens and the access-token denylist.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn user_profile(&self, user: UserId) -> Result<Option<UserProfile>, StoreError>;
    async fn record_login(&self, user: UserId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Starts a family with its first token, in one transaction.
    async fn start_session(
        &self,
        sid: uuid::Uuid,
        user: UserId,
        first: &NewRefreshToken,
    ) -> Result<(), StoreError>;
    async fn find_refresh_token(
        &self,
        hash: &[u8],
    ) -> Result<Option<StoredRefreshToken>, StoreError>;
    /// Marks `spent` used and stores its successor in one transaction; `false` (and nothing
    /// written) when `spent` was already used, i.e. a concurrent or replayed refresh.
    async fn rotate_refresh_token(
        &self,
        spent: uuid::Uuid,
        sid: uuid::Uuid,
        next: &NewRefreshToken,
    ) -> Result<bool, StoreError>;
    async fn revoke_session(
        &self,
        sid: uuid::Uuid,
        reason: RevokeReason,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn revoke_access_token(
        &self,
        jti: uuid::Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn check_session(
        &self,
        sid: uuid::Uuid,
        jti: uuid::Uuid,
        user: UserId,
    ) -> Result<SessionCheck, StoreError>;
}

/// A user's leaderboard and sharing choices (spec README decision 17, `analytics.md` 8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    /// Leave every leaderboard population (the user's own stats still show their points).
    pub opt_out_leaderboards: bool,
    pub share_achievements: bool,
}

#[async_trait]
pub trait PreferenceStore: Send + Sync {
    /// Every user who left the leaderboards (one query, for the batch and the snapshot).
    async fn leaderboard_opt_outs(&self) -> Result<Vec<UserId>, StoreError>;
    /// Stores the choices of `writer.user_id` as the API writes them: on PostgreSQL as the
    /// `la_api` role under row-level security (migration 0007: a user's own row only), SQLite
    /// plainly. `false` when the policies refuse the row (the context is not an active user
    /// of that organisation holding that role).
    async fn set_own_preferences(
        &self,
        writer: &ReadContext,
        preferences: Preferences,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// One viewer's recommendation state, as `recommendation_state` stores it.
pub type ViewerRecommendationState = (
    UserId,
    la_domain::Role,
    la_domain::analytics::predictive::recommendations::RecommendationState,
);

/// The lifecycle states of AS-004.17 items (decision 17: users save, dismiss, complete).
#[async_trait]
pub trait RecommendationStateStore: Send + Sync {
    /// Every stored state, by viewer and role (one query, for the batch).
    async fn recommendation_states(
        &self,
    ) -> Result<
        std::collections::BTreeMap<
            (UserId, la_domain::Role),
            Vec<la_domain::analytics::predictive::recommendations::RecommendationState>,
        >,
        StoreError,
    >;
    /// Upserts states by (viewer, role, rule, target).
    async fn write_recommendation_states(
        &self,
        states: &[ViewerRecommendationState],
    ) -> Result<(), StoreError>;
    /// Sets the status of item `id` of `viewer.user_id` in `viewer.role` as the API writes
    /// it: on PostgreSQL as `la_api` under row-level security (migration 0007: own items of
    /// the active role only), SQLite plainly with the same user and role filter. `None` when
    /// the viewer has no such item in that role (or no role).
    async fn set_own_recommendation_status(
        &self,
        viewer: &ReadContext,
        id: uuid::Uuid,
        status: la_domain::analytics::predictive::recommendations::StoredStatus,
        at: DateTime<Utc>,
    ) -> Result<Option<la_domain::Role>, StoreError>;
}

/// Everything one database adapter provides.
pub trait Store:
    SystemStore
    + IngestionStore
    + AnalyticsInputStore
    + ResultStore
    + GamificationStore
    + AccountStore
    + SessionStore
    + PushIngestStore
    + PreferenceStore
    + RecommendationStateStore
    + CollectionStore
    + RateLimitStore
    + 'static
{
}

impl<T> Store for T where
    T: SystemStore
        + IngestionStore
        + AnalyticsInputStore
        + ResultStore
        + GamificationStore
        + AccountStore
        + SessionStore
        + PushIngestStore
        + PreferenceStore
        + RecommendationStateStore
        + CollectionStore
        + RateLimitStore
        + 'static
{
}

/// One value of an entity's key (decision 11): an id, a timestamp, a date or an enum text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyValue {
    Uuid(uuid::Uuid),
    Ts(DateTime<Utc>),
    Date(chrono::NaiveDate),
    Text(String),
}

/// What an upsert did to each record of a push: new row, changed row, or identical row left
/// untouched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// The bulk look-ups and writes of push ingestion (`POST`/`DELETE /api/v1/ingest/{entity}`).
/// Every method takes all ids of a request at once: one query per call (chunked only where a
/// backend limits parameters), never one per record.
#[async_trait]
pub trait PushIngestStore: Send + Sync {
    /// Which of `ids` exist in the table of `kind` (an entity with an `id` column).
    async fn existing_ids(
        &self,
        kind: EntityKind,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<uuid::Uuid>, StoreError>;

    /// `maxScore` of the stored assessments among `ids`.
    async fn assessment_max_scores(
        &self,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<(uuid::Uuid, f64)>, StoreError>;

    /// The stored users holding any of `emails` (lowercase), as (email, user id).
    async fn users_by_email(&self, emails: &[String]) -> Result<Vec<(String, UserId)>, StoreError>;

    /// Upserts every record of `data` by its key in one transaction, writing only rows that
    /// are new or differ from the stored row (provenance `source` included, `synced_at` not),
    /// and counts what happened.
    async fn upsert_changed(
        &self,
        data: &Dataset,
        provenance: Provenance,
    ) -> Result<ChangeCounts, StoreError>;

    /// Deletes the rows of `kind` whose key (columns in the order of decision 11) is one of
    /// `keys`, in one transaction; returns how many rows went.
    async fn delete_keys(
        &self,
        kind: EntityKind,
        keys: &[Vec<KeyValue>],
    ) -> Result<u64, StoreError>;
}

/// One row of `source_status`: how a source last fared for one entity (decision 9 judges
/// coverage from `last_success_at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    pub source: la_domain::model::DataSource,
    pub entity: EntityKind,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub rows_written: u64,
}

/// A stored row's internal id with the upstream's own id, when that was not a UUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownId {
    pub id: uuid::Uuid,
    pub external_id: Option<String>,
}

impl KnownId {
    /// The id to name in upstream paths: the external id, else the UUID itself.
    pub fn upstream_id(&self) -> String {
        self.external_id
            .clone()
            .unwrap_or_else(|| self.id.to_string())
    }
}

/// Who and what the upstream collectors pull for: the stored organisations, users, courses
/// and content items (the original contracts cannot list them; only the Directory's member
/// listing extension can).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    pub organizations: Vec<KnownId>,
    pub users: Vec<KnownId>,
    pub courses: Vec<KnownId>,
    pub content_items: Vec<KnownId>,
}

/// What upstream collection needs beyond the validated upsert of push ingestion: the roster
/// to pull for, and a record of each run's outcome per (source, entity), so that a run that
/// found nothing new still proves the source present, and a failed run is visible.
#[async_trait]
pub trait CollectionStore: PushIngestStore {
    async fn roster(&self) -> Result<Roster, StoreError>;

    /// Marks a successful collection of `entities` from `source` at `at` (rows are counted by
    /// the upsert itself).
    async fn record_source_success(
        &self,
        source: la_domain::model::DataSource,
        entities: &[EntityKind],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Marks a failed collection; `last_success_at` is kept (last known data stays usable).
    async fn record_source_failure(
        &self,
        source: la_domain::model::DataSource,
        entities: &[EntityKind],
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError>;

    async fn source_statuses(&self) -> Result<Vec<SourceStatus>, StoreError>;
}

// ---------------------------------------------------------------------------------------
// Job queue (`data.md` 6, `api.md` 4)

/// What a calculation job is about: one (subject, role) (`data.md` 6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobSubject {
    pub subject_type: crate::results::SubjectType,
    pub subject_id: uuid::Uuid,
    pub role: Option<la_domain::Role>,
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub id: uuid::Uuid,
    pub job_type: la_domain::jobs::JobType,
    pub priority: i16,
    pub subject: Option<JobSubject>,
    /// The owner (who may see it through J1); `None` for system jobs.
    pub user_id: Option<UserId>,
    pub request_id: Option<String>,
    /// Jobs sharing a key merge while pending (`data.md` 6.4); `None` never merges.
    pub coalesce_key: Option<String>,
    pub payload: serde_json::Value,
    pub queued_analytics: Vec<String>,
    pub max_attempts: i16,
    pub run_after: DateTime<Utc>,
    pub timeout_s: i64,
    pub created_at: DateTime<Utc>,
}

/// A stored job (the `jobs` row).
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: uuid::Uuid,
    pub job_type: la_domain::jobs::JobType,
    pub status: la_domain::jobs::JobStatus,
    pub priority: i16,
    pub subject: Option<JobSubject>,
    pub user_id: Option<UserId>,
    pub request_id: Option<String>,
    pub coalesce_key: Option<String>,
    pub payload: serde_json::Value,
    pub queued_analytics: Vec<String>,
    pub completed_analytics: Vec<String>,
    pub failed_analytics: Vec<String>,
    pub progress: i16,
    pub attempts: i16,
    pub max_attempts: i16,
    pub run_after: DateTime<Utc>,
    pub timeout_s: i64,
    pub locked_by: Option<String>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether a running job with the same key absorbs a request (`data.md` 6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coalesce {
    /// Merge into a pending job only; with only a running one, enqueue a new job that waits
    /// for it (manual refresh, `api.md` 4.2).
    PendingOnly,
    /// Merge into a pending job, else return a running one's id and enqueue nothing
    /// (staleness and stale-read refreshes, `api.md` 4.3).
    PendingOrRunning,
}

/// What an enqueue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    Created(uuid::Uuid),
    /// Merged into this pending job.
    Merged(uuid::Uuid),
    /// A running job with the key absorbed the request.
    Running(uuid::Uuid),
}

impl Enqueued {
    pub fn id(self) -> uuid::Uuid {
        match self {
            Enqueued::Created(id) | Enqueued::Merged(id) | Enqueued::Running(id) => id,
        }
    }
}

/// The lease a worker holds on a claimed job: every write of the outcome names it, so a
/// worker whose lease expired (and whose job was claimed again) cannot overwrite the new run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub job_id: uuid::Uuid,
    pub worker: String,
    /// The attempt number this claim made.
    pub attempt: i16,
}

/// The end of a failed attempt, decided by the application (`la_domain::jobs::after_failure`).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedAttempt {
    pub error: String,
    /// `Some` = back to pending from then on; `None` = terminal `failed`.
    pub retry_at: Option<DateTime<Utc>>,
    /// Analytics still to do (a retry recomputes only these).
    pub failed_analytics: Vec<String>,
    pub completed_analytics: Vec<String>,
}

/// The outcome of `cancel_job`.
#[derive(Debug, Clone, PartialEq)]
pub enum CancelOutcome {
    Cancelled(Job),
    /// The job exists but is not pending.
    NotCancellable(Job),
    NotFound,
}

/// What the retention clean-up removed (`data.md` 7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionSummary {
    pub results: u64,
    pub refresh_tokens: u64,
    /// Rate-limit counters whose window ended before the token cutoff.
    pub rate_limit_counters: u64,
    pub jobs: u64,
}

/// The durable job queue. Claiming is exclusive: `FOR UPDATE SKIP LOCKED` on PostgreSQL,
/// a single `UPDATE … RETURNING` on SQLite (one process owns the file).
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Inserts `job`, or merges it into the pending job holding its coalesce key (queued
    /// analytics united, highest priority kept, payload flags OR-ed).
    async fn enqueue(&self, job: &NewJob, coalesce: Coalesce) -> Result<Enqueued, StoreError>;

    /// Claims the most urgent due pending job of `types` (none while a job with the same
    /// coalesce key runs): `running`, one more attempt, locked by `worker`.
    async fn claim(
        &self,
        worker: &str,
        types: &[la_domain::jobs::JobType],
        now: DateTime<Utc>,
    ) -> Result<Option<Job>, StoreError>;

    /// Refreshes the lease and the progress; `false` when the lease is lost.
    async fn heartbeat(
        &self,
        lease: &Lease,
        progress: i16,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Marks the job completed; `false` when the lease is lost.
    async fn complete(
        &self,
        lease: &Lease,
        completed_analytics: &[String],
        result: Option<serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Records a failed attempt (retry or terminal); `false` when the lease is lost.
    /// A retry that meets another pending job of the same key fails with
    /// [`StoreError::Constraint`]; the caller then merges it into that job.
    async fn fail(
        &self,
        lease: &Lease,
        failure: &FailedAttempt,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Gives a running job back without consuming its attempt (graceful shutdown).
    async fn release(&self, lease: &Lease, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Every running job (few: bounded by workers), for the lease reaper.
    async fn running_jobs(&self) -> Result<Vec<Job>, StoreError>;

    async fn get_job(&self, id: uuid::Uuid) -> Result<Option<Job>, StoreError>;

    /// [`JobStore::get_job`] as `reader` may see it: on PostgreSQL the read runs as `la_api`
    /// under row-level security (migration 0007: the reader's own jobs, every job for a
    /// platform admin), so another user's job is `None` even when its id is known; SQLite
    /// reads plainly (the HTTP checks, complete on their own, are the guard there).
    async fn get_job_for(
        &self,
        reader: &ReadContext,
        id: uuid::Uuid,
    ) -> Result<Option<Job>, StoreError>;

    /// Cancels a pending job (`api.md` 2.10 J2) as `canceller` may: on PostgreSQL the update
    /// runs as `la_api` under row-level security (migration 0010: one's own pending jobs,
    /// any pending job for a platform admin), so another user's job is `NotFound`; SQLite
    /// writes plainly (the service's visibility rule is the guard there).
    async fn cancel_job_for(
        &self,
        canceller: &ReadContext,
        id: uuid::Uuid,
        now: DateTime<Utc>,
    ) -> Result<CancelOutcome, StoreError>;

    /// Starts a scheduled run at most once per (name, day) across all instances: records the
    /// day and enqueues `job` in one transaction. `None` when the day was already taken.
    async fn start_scheduled(
        &self,
        name: &str,
        day: chrono::NaiveDate,
        job: &NewJob,
    ) -> Result<Option<uuid::Uuid>, StoreError>;

    /// Active users per organisation (`None` = without organisation), for chunking the batch.
    async fn active_users_per_org(&self) -> Result<Vec<(Option<OrgId>, u64)>, StoreError>;

    /// Active users of one organisation (`None` = without organisation), for slicing a large
    /// one into chunks.
    async fn active_user_ids(&self, org: Option<OrgId>) -> Result<Vec<UserId>, StoreError>;

    /// Chunks of the daily batch of `run_date` still pending or running.
    async fn open_batch_chunks(&self, run_date: &str) -> Result<u64, StoreError>;

    /// When the latest job was queued that follows new data (an ingestion's refresh, a
    /// collection): a prepared batch loaded before it is out of date.
    async fn last_data_change(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Retention (`data.md` 7): results calculated before `results_before`, refresh tokens
    /// expired before `tokens_expired_before`, terminal jobs finished before `jobs_before`.
    async fn purge(
        &self,
        results_before: DateTime<Utc>,
        tokens_expired_before: DateTime<Utc>,
        jobs_before: DateTime<Utc>,
    ) -> Result<RetentionSummary, StoreError>;
}
