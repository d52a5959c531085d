//! What each job type does. The worker (`worker.rs`) owns the lifecycle; a handler only
//! runs the work and says what was done or what failed.

use super::new_job;
use crate::analytics::batch::{
    BatchError, Scope, prepare_batch, run_batch_scoped, run_prepared_part,
};
use crate::analytics::compute::PreparedBatch;
use crate::ports::{Coalesce, Job, JobStore, Store, StoreError};
use crate::results::SubjectType;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use la_domain::analytics::Window;
use la_domain::jobs::JobType;
use la_domain::{OrgId, UserId};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI16, Ordering};

/// What a successful run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobOutput {
    pub completed_analytics: Vec<String>,
    pub result: Option<Value>,
}

/// A failed run: the message (sanitised: no internals beyond the error's text) and which
/// requested analytics are done or still to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct JobFailure {
    pub message: String,
    pub completed_analytics: Vec<String>,
    pub failed_analytics: Vec<String>,
}

impl JobFailure {
    /// Nothing of `job` was done.
    pub fn whole(job: &Job, message: impl Into<String>) -> Self {
        JobFailure {
            message: message.into(),
            completed_analytics: job.completed_analytics.clone(),
            failed_analytics: job.queued_analytics.clone(),
        }
    }
}

/// Progress a handler reports while it runs; the worker writes it with each heartbeat.
#[derive(Debug, Default)]
pub struct Progress(AtomicI16);

impl Progress {
    pub fn set(&self, percent: i16) {
        self.0.store(percent.clamp(0, 100), Ordering::Relaxed);
    }

    pub fn get(&self) -> i16 {
        self.0.load(Ordering::Relaxed)
    }
}

#[async_trait]
pub trait JobHandler: Send + Sync {
    async fn run(&self, job: &Job, progress: &Progress) -> Result<JobOutput, JobFailure>;
}

/// Retention (`data.md` 7, `api.md` 4.5): results, refresh tokens past expiry and terminal
/// jobs, each older than this.
pub const RETENTION: Duration = Duration::days(7);

/// Subjects per chunk of the daily batch (decision 18).
pub const CHUNK_SUBJECTS: u64 = 500;

/// Told which organisations' results a job rewrote.
pub type OnWritten = Arc<dyn Fn(&Scope) + Send + Sync>;

/// The handlers of every job type, on the analytics batch code.
pub struct AnalyticsJobs {
    store: Arc<dyn Store>,
    jobs: Arc<dyn JobStore>,
    clock: fn() -> DateTime<Utc>,
    chunk_subjects: u64,
    /// Told which organisations' results a job rewrote (cache invalidation, `data.md` 8).
    on_written: Option<OnWritten>,
    /// Test hook (see [`AnalyticsJobs::with_chunk_pause`]).
    chunk_pause: Option<std::time::Duration>,
    /// The platform-wide part of the daily batch this process is working on, shared by its
    /// chunks (see [`AnalyticsJobs::prepared_for`]).
    prepared: Arc<tokio::sync::Mutex<Option<PreparedRun>>>,
}

/// A prepared daily batch and what it was prepared for.
struct PreparedRun {
    run_date: String,
    as_of: DateTime<Utc>,
    /// When loading began: data that changed after it is not in the batch.
    loaded_from: DateTime<Utc>,
    batch: Arc<PreparedBatch>,
}

impl AnalyticsJobs {
    pub fn new(store: Arc<dyn Store>, jobs: Arc<dyn JobStore>) -> Self {
        AnalyticsJobs {
            store,
            jobs,
            clock: Utc::now,
            chunk_subjects: CHUNK_SUBJECTS,
            on_written: None,
            chunk_pause: None,
            prepared: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// Test hook for the crash tests (`LA_TEST_CHUNK_PAUSE_MS`, refused in production): a
    /// batch chunk waits this long after its results are stored and before it reports
    /// completion. That is the widest window in which a crash leaves a chunk's work done
    /// but unacknowledged, so a test can kill the process there on purpose instead of
    /// racing a computation that takes milliseconds.
    pub fn with_chunk_pause(mut self, pause: std::time::Duration) -> Self {
        self.chunk_pause = Some(pause);
        self
    }

    /// Calls `on_written` with the scope of every recalculation once its results are stored,
    /// so that caches in front of them drop the old ones.
    pub fn with_invalidation(mut self, on_written: OnWritten) -> Self {
        self.on_written = Some(on_written);
        self
    }

    /// A smaller chunk size (tests).
    pub fn with_chunk_subjects(mut self, subjects: u64) -> Self {
        self.chunk_subjects = subjects.max(1);
        self
    }

    /// The organisation whose batch recomputes `job`'s subject.
    async fn subject_scope(&self, job: &Job) -> Result<Scope, JobFailure> {
        let Some(subject) = job.subject else {
            return Err(JobFailure::whole(job, "the job names no subject"));
        };
        let org = match subject.subject_type {
            SubjectType::Organization => Some(OrgId(subject.subject_id)),
            SubjectType::Platform => None,
            SubjectType::User => {
                let profile = self
                    .store
                    .user_profile(la_domain::UserId(subject.subject_id))
                    .await
                    .map_err(|e| store_failure(job, e))?
                    .ok_or_else(|| JobFailure::whole(job, "the subject no longer exists"))?;
                profile.organization_id
            }
        };
        Ok(Scope::orgs([org]))
    }

    /// 30d plus every window already stored for the subject (`api.md` 4.2 step 4).
    async fn windows(&self, job: &Job) -> Result<Vec<Window>, JobFailure> {
        let mut windows = BTreeSet::from([Window::Days30.as_str()]);
        if let Some(subject) = job.subject {
            let stored = self
                .store
                .subject_results(subject.subject_type, subject.subject_id, subject.role)
                .await
                .map_err(|e| store_failure(job, e))?;
            for result in &stored {
                if let Some(window) = result
                    .key
                    .params_key
                    .split('&')
                    .find_map(|p| p.strip_prefix("window="))
                    .and_then(Window::parse)
                {
                    windows.insert(window.as_str());
                }
            }
        }
        Ok(windows.into_iter().filter_map(Window::parse).collect())
    }

    async fn recompute(
        &self,
        job: &Job,
        scope: Scope,
        windows: &[Window],
        now: DateTime<Utc>,
        progress: &Progress,
    ) -> Result<u64, JobFailure> {
        let mut written = 0u64;
        for (done, window) in windows.iter().enumerate() {
            let summary = run_batch_scoped(self.store.clone(), now, *window, scope.clone(), |_| {})
                .await
                .map_err(|e| batch_failure(job, e))?;
            written += summary.results as u64;
            if let Some(on_written) = &self.on_written {
                on_written(&scope);
            }
            let total = windows.len().max(1);
            progress.set(i16::try_from((done + 1) * 100 / total).unwrap_or(100));
        }
        Ok(written)
    }

    async fn refresh_subject(
        &self,
        job: &Job,
        progress: &Progress,
    ) -> Result<JobOutput, JobFailure> {
        let scope = self.subject_scope(job).await?;
        let windows = self.windows(job).await?;
        let written = self
            .recompute(job, scope, &windows, (self.clock)(), progress)
            .await?;
        let mut completed = job.completed_analytics.clone();
        for name in &job.queued_analytics {
            if !completed.contains(name) {
                completed.push(name.clone());
            }
        }
        Ok(JobOutput {
            completed_analytics: completed,
            result: Some(json!({
                "windows": windows.iter().map(|w| w.as_str()).collect::<Vec<_>>(),
                "resultsWritten": written,
            })),
        })
    }

    async fn refresh_orgs(&self, job: &Job, progress: &Progress) -> Result<JobOutput, JobFailure> {
        let scope = scope_of_payload(job)?;
        // A batch retry computes as of its batch's instant too (an ingest refresh has none:
        // now).
        let now = as_of(job)?.unwrap_or_else(|| (self.clock)());
        let written = self
            .recompute(job, scope, &[Window::Days30], now, progress)
            .await?;
        Ok(JobOutput {
            completed_analytics: Vec::new(),
            result: Some(json!({ "resultsWritten": written })),
        })
    }

    /// One chunk of the daily batch: its subjects, computed from the batch prepared once in
    /// this process for the day's run (every chunk of a day, and any retry of one, computes
    /// as of the run's instant).
    async fn run_chunk(&self, job: &Job) -> Result<JobOutput, JobFailure> {
        let scope = scope_of_payload(job)?;
        let now = as_of(job)?.unwrap_or_else(|| (self.clock)());
        let run_date = job
            .payload
            .get("runDate")
            .and_then(Value::as_str)
            .map_or_else(|| now.date_naive().to_string(), str::to_owned);
        let prepared = self.prepared_for(job, &run_date, now).await?;
        let summary = run_prepared_part(self.store.clone(), prepared, scope.clone(), |_| {})
            .await
            .map_err(|e| batch_failure(job, e))?;
        if let Some(on_written) = &self.on_written {
            on_written(&scope);
        }
        if let Some(pause) = self.chunk_pause {
            tracing::warn!(job_id = %job.id, ?pause, "test hook: chunk written, pausing before completion");
            tokio::time::sleep(pause).await;
        }
        Ok(JobOutput {
            completed_analytics: Vec::new(),
            result: Some(json!({ "resultsWritten": summary.results })),
        })
    }

    /// The prepared batch of `run_date` as of `as_of`: the one this process holds when it
    /// matches and no new data was queued for recalculation since it was loaded (an
    /// ingestion or a collection), else a freshly loaded one. The lock is held while
    /// loading, so concurrent workers of this process wait for one load instead of each
    /// doing their own.
    async fn prepared_for(
        &self,
        job: &Job,
        run_date: &str,
        as_of: DateTime<Utc>,
    ) -> Result<Arc<PreparedBatch>, JobFailure> {
        let mut slot = self.prepared.lock().await;
        if let Some(run) = slot.as_ref()
            && run.run_date == run_date
            && run.as_of == as_of
        {
            let changed = self
                .jobs
                .last_data_change()
                .await
                .map_err(|e| store_failure(job, e))?;
            if changed.is_none_or(|at| at < run.loaded_from) {
                return Ok(run.batch.clone());
            }
            tracing::info!(
                run_date,
                "new data since the batch was prepared: preparing again"
            );
        }
        // Drop the old one before loading the next: two would not fit where one barely does.
        *slot = None;
        let loaded_from = Utc::now();
        let (batch, summary) = prepare_batch(self.store.as_ref(), as_of, Window::Days30)
            .await
            .map_err(|e| batch_failure(job, e))?;
        tracing::info!(
            run_date,
            users = summary.users,
            load_ms = summary.load.as_millis() as u64,
            prepare_ms = summary.compute.as_millis() as u64,
            "daily batch prepared"
        );
        let batch = Arc::new(batch);
        *slot = Some(PreparedRun {
            run_date: run_date.to_owned(),
            as_of,
            loaded_from,
            batch: batch.clone(),
        });
        self.release_when_done(run_date, as_of);
        Ok(batch)
    }

    /// Drops the prepared batch once no chunk of its run is pending or running (checked every
    /// 30 s), so its memory does not stay with the process after the batch.
    fn release_when_done(&self, run_date: &str, as_of: DateTime<Utc>) {
        let (slot, jobs, run_date) = (
            self.prepared.clone(),
            self.jobs.clone(),
            run_date.to_owned(),
        );
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                match jobs.open_batch_chunks(&run_date).await {
                    Ok(0) => {}
                    Ok(_) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "cannot count the open chunks of the batch");
                        continue;
                    }
                }
                let mut slot = slot.lock().await;
                if slot
                    .as_ref()
                    .is_some_and(|p| p.run_date == run_date && p.as_of == as_of)
                {
                    *slot = None;
                    tracing::info!(run_date, "daily batch done: prepared platform released");
                }
                return;
            }
        });
    }

    /// Splits the day's batch into chunks of about `chunk_subjects` active users, whole
    /// organisations each (the batch filters by organisation), and enqueues them; any
    /// instance's worker may claim a chunk. The chunk holding users without organisation
    /// also writes the platform subject. Every chunk computes as of one instant: the
    /// payload's `asOf` when given (replaying a day; tests), else the planning time.
    async fn plan_daily_batch(&self, job: &Job) -> Result<JobOutput, JobFailure> {
        let now = as_of(job)?.unwrap_or_else(|| (self.clock)());
        let day = job
            .payload
            .get("runDate")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| now.date_naive().to_string());
        let counts = self
            .jobs
            .active_users_per_org()
            .await
            .map_err(|e| store_failure(job, e))?;
        let mut large = BTreeMap::new();
        for &(org, users) in &counts {
            if users > self.chunk_subjects {
                let ids = self
                    .jobs
                    .active_user_ids(org)
                    .await
                    .map_err(|e| store_failure(job, e))?;
                large.insert(org, ids);
            }
        }
        let chunks = plan_scopes(&counts, &large, self.chunk_subjects);
        for (number, scope) in chunks.iter().enumerate() {
            let mut chunk = new_job(JobType::BatchAnalyticsChunk, now);
            chunk.coalesce_key = Some(format!("batch-chunk:{day}:{number}"));
            chunk.payload = chunk_payload(scope, &day, job.id, now);
            self.jobs
                .enqueue(&chunk, Coalesce::PendingOnly)
                .await
                .map_err(|e| store_failure(job, e))?;
        }
        Ok(JobOutput {
            completed_analytics: Vec::new(),
            result: Some(json!({ "chunks": chunks.len(), "runDate": day })),
        })
    }

    async fn retention(&self, job: &Job) -> Result<JobOutput, JobFailure> {
        let cutoff = (self.clock)() - RETENTION;
        let removed = self
            .jobs
            .purge(cutoff, cutoff, cutoff)
            .await
            .map_err(|e| store_failure(job, e))?;
        Ok(JobOutput {
            completed_analytics: Vec::new(),
            result: Some(json!({
                "results": removed.results,
                "refreshTokens": removed.refresh_tokens,
                "rateLimitCounters": removed.rate_limit_counters,
                "jobs": removed.jobs,
            })),
        })
    }
}

#[async_trait]
impl JobHandler for AnalyticsJobs {
    async fn run(&self, job: &Job, progress: &Progress) -> Result<JobOutput, JobFailure> {
        match job.job_type {
            JobType::ManualAnalyticsRefresh
            | JobType::LoginStalenessRefresh
            | JobType::StaleReadRefresh
            // No collectors exist yet (decision 6): collection ends by recomputing the user.
            | JobType::DataCollection => self.refresh_subject(job, progress).await,
            JobType::BatchAnalyticsChunk => self.run_chunk(job).await,
            JobType::IngestRefresh | JobType::BatchAnalyticsRetry => {
                self.refresh_orgs(job, progress).await
            }
            JobType::DailyAnalyticsBatch => self.plan_daily_batch(job).await,
            JobType::RetentionCleanup => self.retention(job).await,
        }
    }
}

fn store_failure(job: &Job, error: StoreError) -> JobFailure {
    JobFailure::whole(job, format!("storage: {error}"))
}

fn batch_failure(job: &Job, error: BatchError) -> JobFailure {
    match error {
        BatchError::Store(e) => store_failure(job, e),
        BatchError::Compute(e) => JobFailure::whole(job, e),
    }
}

/// Chunk payload: `orgs` (UUIDs) and `unaffiliated` (users without organisation and the
/// platform subject), or `slice` (`org`, `first`, `last`, `orgSubject`: part of a large
/// organisation, see [`Scope::Slice`]); the run date, the planning job and the instant the
/// batch computes as of (`asOf`, RFC 3339).
fn chunk_payload(scope: &Scope, day: &str, parent: uuid::Uuid, as_of: DateTime<Utc>) -> Value {
    let mut payload = json!({
        "runDate": day,
        "parentJobId": parent,
        "asOf": as_of.to_rfc3339(),
    });
    match scope {
        Scope::Slice {
            org,
            first,
            last,
            org_subject,
        } => {
            payload["slice"] = json!({
                "org": org.map(|o| o.0),
                "first": first,
                "last": last,
                "orgSubject": org_subject,
            });
        }
        other => {
            let orgs = other.organizations().unwrap_or_default();
            payload["orgs"] = json!(orgs.iter().flatten().map(|o| o.0).collect::<Vec<_>>());
            payload["unaffiliated"] = json!(orgs.contains(&None));
        }
    }
    payload
}

/// The payload's `asOf` instant, if it names one.
fn as_of(job: &Job) -> Result<Option<DateTime<Utc>>, JobFailure> {
    match job.payload.get("asOf") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map(|at| Some(at.with_timezone(&Utc)))
            .map_err(|e| JobFailure::whole(job, format!("bad payload: asOf: {e}"))),
        Some(other) => Err(JobFailure::whole(
            job,
            format!("bad payload: asOf is not a timestamp: {other}"),
        )),
    }
}

/// The scope a chunk, retry or ingest-refresh payload names.
fn scope_of_payload(job: &Job) -> Result<Scope, JobFailure> {
    let bad = |e: serde_json::Error| JobFailure::whole(job, format!("bad payload: {e}"));
    if let Some(slice) = job.payload.get("slice") {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Slice {
            org: Option<uuid::Uuid>,
            first: uuid::Uuid,
            last: uuid::Uuid,
            org_subject: bool,
        }
        let slice: Slice = serde_json::from_value(slice.clone()).map_err(bad)?;
        return Ok(Scope::Slice {
            org: slice.org.map(OrgId),
            first: slice.first,
            last: slice.last,
            org_subject: slice.org_subject,
        });
    }
    let orgs: Vec<uuid::Uuid> = job
        .payload
        .get("orgs")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(bad)?
        .unwrap_or_default();
    let unaffiliated = job
        .payload
        .get("unaffiliated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut scope: BTreeSet<Option<OrgId>> = orgs.into_iter().map(|o| Some(OrgId(o))).collect();
    if unaffiliated {
        scope.insert(None);
    }
    Ok(Scope::Orgs(scope))
}

/// The chunks of a daily batch (decision 18: about `per_chunk` subjects each): small
/// organisations grouped whole ([`plan_chunks`]), and each organisation of more than
/// `per_chunk` active users (with its sorted ids in `large`) cut into slices of about
/// `per_chunk` users. Slices cover the whole id range, so users that arrive after planning
/// still belong to one; the first slice also carries the organisation's own subject (for
/// the users without organisation: the platform subject).
pub fn plan_scopes(
    counts: &[(Option<OrgId>, u64)],
    large: &BTreeMap<Option<OrgId>, Vec<UserId>>,
    per_chunk: u64,
) -> Vec<Scope> {
    let small: Vec<(Option<OrgId>, u64)> = counts
        .iter()
        .filter(|(org, _)| !large.contains_key(org))
        .copied()
        .collect();
    let mut scopes: Vec<Scope> = plan_chunks(&small, per_chunk)
        .into_iter()
        .map(|orgs| {
            // The platform subject goes with the slices when that group is large.
            Scope::orgs(
                orgs.into_iter()
                    .filter(|o| o.is_some() || !large.contains_key(&None)),
            )
        })
        .filter(|scope| scope.organizations().is_some_and(|o| !o.is_empty()))
        .collect();
    let per_chunk = usize::try_from(per_chunk.max(1)).unwrap_or(usize::MAX);
    for (org, ids) in large {
        let starts: Vec<uuid::Uuid> = ids.iter().step_by(per_chunk).map(|id| id.0).collect();
        for (k, _) in starts.iter().enumerate() {
            let first = if k == 0 { uuid::Uuid::nil() } else { starts[k] };
            let last = match starts.get(k + 1) {
                Some(next) => uuid::Uuid::from_u128(next.as_u128() - 1),
                None => uuid::Uuid::max(),
            };
            scopes.push(Scope::Slice {
                org: *org,
                first,
                last,
                org_subject: k == 0,
            });
        }
    }
    scopes
}

/// Groups organisations into chunks of about `per_chunk` users, in the given order. An
/// organisation larger than a chunk is a chunk of its own; the unaffiliated group (`None`,
/// which also carries the platform subject) always gets a chunk.
pub fn plan_chunks(counts: &[(Option<OrgId>, u64)], per_chunk: u64) -> Vec<Vec<Option<OrgId>>> {
    let mut chunks: Vec<Vec<Option<OrgId>>> = Vec::new();
    let mut current: Vec<Option<OrgId>> = Vec::new();
    let mut size = 0u64;
    let mut has_unaffiliated = false;
    for &(org, users) in counts {
        has_unaffiliated |= org.is_none();
        if !current.is_empty() && size + users > per_chunk {
            chunks.push(std::mem::take(&mut current));
            size = 0;
        }
        current.push(org);
        size += users;
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    if !has_unaffiliated {
        match chunks.last_mut() {
            Some(last) => last.push(None),
            None => chunks.push(vec![None]),
        }
    }
    chunks
}

/// When a chunk of the daily batch is dead, its organisations are run once more 5 minutes
/// later as `batch-analytics-retry` (`api.md` 4.1).
pub fn batch_retry_job(dead: &Job, now: DateTime<Utc>) -> Option<crate::ports::NewJob> {
    if dead.job_type != JobType::BatchAnalyticsChunk {
        return None;
    }
    let mut retry = new_job(JobType::BatchAnalyticsRetry, now);
    retry.run_after = now + Duration::minutes(5);
    retry.coalesce_key = Some(format!("batch-retry:{}", dead.id));
    retry.payload = dead.payload.clone();
    Some(retry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn org(n: u128) -> Option<OrgId> {
        Some(OrgId(Uuid::from_u128(n)))
    }

    #[test]
    fn chunks_hold_about_the_target_and_keep_orgs_whole() {
        let counts = [
            (None, 3),
            (org(1), 300),
            (org(2), 150),
            (org(3), 900),
            (org(4), 10),
        ];
        let chunks = plan_chunks(&counts, 500);
        assert_eq!(
            chunks,
            vec![vec![None, org(1), org(2)], vec![org(3)], vec![org(4)],]
        );
    }

    #[test]
    fn the_platform_subject_always_has_a_chunk() {
        assert_eq!(plan_chunks(&[], 500), vec![vec![None]]);
        assert_eq!(plan_chunks(&[(org(1), 5)], 500), vec![vec![org(1), None]]);
    }

    fn ids(range: std::ops::Range<u128>) -> Vec<UserId> {
        range.map(|n| UserId(Uuid::from_u128(n))).collect()
    }

    #[test]
    fn a_large_organisation_is_cut_into_slices_covering_every_id() {
        let counts = [(None, 3), (org(1), 12), (org(2), 4)];
        let large = BTreeMap::from([(org(1), ids(100..112))]);
        let scopes = plan_scopes(&counts, &large, 5);
        let slice = |first: u128, last: u128, org_subject| Scope::Slice {
            org: org(1),
            first: Uuid::from_u128(first),
            last: Uuid::from_u128(last),
            org_subject,
        };
        assert_eq!(
            scopes,
            vec![
                // 3 + 4 users exceed a chunk of 5: two chunks.
                Scope::orgs([None]),
                Scope::orgs([org(2)]),
                // 12 users in slices of 5 starting at ids 100, 105, 110; the first slice
                // reaches down to the nil id and the last up to the largest.
                slice(0, 104, true),
                slice(105, 109, false),
                slice(110, u128::MAX, false),
            ]
        );
        // Every user of the organisation is in exactly one slice, a newcomer too; the
        // organisation's own subject in the first only.
        for n in (100..112).chain([5_000]) {
            let user = UserId(Uuid::from_u128(n));
            let holders = scopes.iter().filter(|s| s.keeps_user(org(1), user)).count();
            assert_eq!(holders, 1, "user {n}");
        }
        assert_eq!(
            scopes
                .iter()
                .filter(|s| s.keeps_org_subject(org(1)))
                .count(),
            1
        );
    }

    #[test]
    fn sliced_users_without_organisation_carry_the_platform_subject() {
        let counts = [(None, 7), (org(1), 2)];
        let large = BTreeMap::from([(None, ids(1..8))]);
        let scopes = plan_scopes(&counts, &large, 5);
        assert_eq!(scopes.len(), 3, "{scopes:?}");
        assert_eq!(scopes[0], Scope::orgs([org(1)]));
        assert_eq!(
            scopes.iter().filter(|s| s.keeps_org_subject(None)).count(),
            1
        );
    }

    #[test]
    fn slices_travel_in_their_payload() {
        let scope = Scope::Slice {
            org: org(3),
            first: Uuid::from_u128(10),
            last: Uuid::from_u128(20),
            org_subject: true,
        };
        let now = Utc::now();
        let job = Job {
            id: Uuid::nil(),
            job_type: JobType::BatchAnalyticsChunk,
            status: la_domain::jobs::JobStatus::Running,
            priority: 0,
            subject: None,
            user_id: None,
            request_id: None,
            coalesce_key: None,
            payload: chunk_payload(&scope, "2026-11-26", Uuid::nil(), now),
            queued_analytics: Vec::new(),
            completed_analytics: Vec::new(),
            failed_analytics: Vec::new(),
            progress: 0,
            attempts: 1,
            max_attempts: 3,
            run_after: now,
            timeout_s: 60,
            locked_by: None,
            heartbeat_at: None,
            started_at: None,
            completed_at: None,
            error: None,
            created_at: now,
            updated_at: now,
        };
        assert_eq!(scope_of_payload(&job).unwrap(), scope);
    }
}
