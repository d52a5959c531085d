//! Serving analytics (`api.md` 1.9): a stored result is returned as it is (fresh or stale);
//! a missing one is computed on the spot, stored, and returned.
//!
//! Computing on a miss runs the batch for the subject's organisation at the requested window
//! (every analytic of every subject of that organisation at once: the engine's platform-wide
//! figures make one subject cost nearly as much as all of them). Concurrent misses for the same
//! (organisation, window) wait for one computation instead of each starting their own.
//!
//! A small in-process cache (layer 1 of `data.md` 8) sits in front of the result store: entries
//! live a few minutes and are dropped when this instance recomputes the organisation. Freshness
//! is always judged by `calculated_at`, never by where the entry came from.

use super::batch::{BatchError, BatchOptions, run_batch};
use super::load::load_platform;
use super::on_demand::PlatformSnapshot;
use crate::ports::{ReadContext, Store, StoreError};
use crate::results::{ResultKey, StoredResult, SubjectType};
use chrono::{DateTime, Duration, Utc};
use la_domain::analytics::Window;
use la_domain::{OrgId, Role, UserId};
use moka::sync::Cache;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Results older than this are stale (`api.md` 1.9, 4.3).
pub const STALE_AFTER: Duration = Duration::hours(6);
/// Layer-1 lifetime: short, because other processes (the `batch` command, other instances)
/// may write newer results without telling this one.
const MEMORY_TTL: std::time::Duration = std::time::Duration::from_secs(300);
const MEMORY_ENTRIES: u64 = 200_000;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Unknown subject, or nothing obtainable for it in this role.
    #[error("no analytics for this subject")]
    NotFound,
    /// A stored result exists but the database's row-level security hides it from the reader:
    /// the token's organisation or roles no longer match the directory (PostgreSQL only).
    #[error("the stored analytics are not visible to this caller")]
    Denied,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("computing the analytics failed: {0}")]
    Compute(String),
}

impl From<BatchError> for ReadError {
    fn from(error: BatchError) -> Self {
        match error {
            BatchError::Store(e) => ReadError::Store(e),
            BatchError::Compute(e) => ReadError::Compute(e),
        }
    }
}

/// A result as served, with where it came from.
#[derive(Debug, Clone)]
pub struct Served {
    pub result: Arc<StoredResult>,
    /// Served from a cache layer (memory or the result store) rather than computed now.
    pub cached: bool,
    /// The `stale-read-refresh` job a stale read scheduled (or joined), for `refreshJobId`.
    pub refresh_job: Option<uuid::Uuid>,
}

impl Served {
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        now - self.result.calculated_at > STALE_AFTER
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        self.result.calculated_at + STALE_AFTER
    }
}

type ComputeKey = (Option<OrgId>, Window);

/// How long a loaded platform snapshot serves on-demand analytics.
const SNAPSHOT_TTL: Duration = Duration::minutes(5);

/// Which cache layer answered a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheLayer {
    /// The in-process cache (layer 1).
    Memory,
    /// The result store.
    Store,
}

impl CacheLayer {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheLayer::Memory => "memory",
            CacheLayer::Store => "store",
        }
    }
}

/// Receives what the reader does, for metrics.
///
/// A hook rather than the `metrics` facade: the facade's macros write to one process-global
/// recorder, so two services in one process (the API tests) would mix their figures. With a
/// hook each `AppState` owns its recorder, and this crate stays free of any metrics crate.
///
/// Every successful read ends in exactly one of `hit` (either layer; a read that waited for
/// another request's computation and then found the result counts as a store hit) or `miss`
/// (this read computed it). Reads of unknown subjects count as neither.
pub trait ReadObserver: Send + Sync {
    fn hit(&self, layer: CacheLayer);
    fn miss(&self);
    /// Duration of one on-miss computation (the organisation's batch), failed or not.
    fn computed(&self, elapsed: std::time::Duration);
}

/// The default: observes nothing.
struct NoObserver;

impl ReadObserver for NoObserver {
    fn hit(&self, _: CacheLayer) {}
    fn miss(&self) {}
    fn computed(&self, _: std::time::Duration) {}
}

#[derive(Clone)]
pub struct AnalyticsReader {
    store: Arc<dyn Store>,
    memory: Cache<ResultKey, Arc<StoredResult>>,
    computing: Arc<Mutex<HashMap<ComputeKey, Arc<tokio::sync::Mutex<()>>>>>,
    snapshot: Arc<tokio::sync::Mutex<Option<Arc<PlatformSnapshot>>>>,
    observer: Arc<dyn ReadObserver>,
    /// Where stale reads enqueue their refresh (`api.md` 4.3); `None`: they do not.
    jobs: Option<Arc<dyn crate::ports::JobStore>>,
    /// Refresh jobs recently requested per (subject, role): a burst of stale reads costs one
    /// enqueue, not one per read.
    recent_refreshes: Cache<String, uuid::Uuid>,
}

/// The window a stored key was computed for (`window=30d`); keys without one use the batch's.
fn window_of(key: &ResultKey) -> Window {
    key.params_key
        .split('&')
        .find_map(|p| p.strip_prefix("window="))
        .and_then(Window::parse)
        .unwrap_or(Window::Days30)
}

impl AnalyticsReader {
    pub fn new(store: Arc<dyn Store>) -> Self {
        AnalyticsReader {
            store,
            memory: Cache::builder()
                .max_capacity(MEMORY_ENTRIES)
                .time_to_live(MEMORY_TTL)
                .support_invalidation_closures()
                .build(),
            computing: Arc::default(),
            snapshot: Arc::default(),
            observer: Arc::new(NoObserver),
            jobs: None,
            recent_refreshes: Cache::builder()
                .max_capacity(MEMORY_ENTRIES)
                .time_to_live(std::time::Duration::from_secs(60))
                .build(),
        }
    }

    /// The same reader, scheduling a `stale-read-refresh` for stale results it serves.
    pub fn with_jobs(mut self, jobs: Arc<dyn crate::ports::JobStore>) -> Self {
        self.jobs = Some(jobs);
        self
    }

    /// Enqueues (or joins) the recalculation of a stale result's (subject, role), coalesced
    /// with any pending or running job of it (`api.md` 4.3). Failing to enqueue never fails
    /// the read: the stale result is still served.
    async fn schedule_refresh(&self, key: &ResultKey, now: DateTime<Utc>) -> Option<uuid::Uuid> {
        let jobs = self.jobs.as_ref()?;
        if key.subject_type == SubjectType::Platform || key.role.is_none() {
            return None;
        }
        let subject = crate::ports::JobSubject {
            subject_type: key.subject_type,
            subject_id: key.subject_id,
            role: key.role,
        };
        let coalesce_key = crate::jobs::calc_key(&subject);
        if let Some(id) = self.recent_refreshes.get(&coalesce_key) {
            return Some(id);
        }
        let request = crate::jobs::RefreshRequest {
            job_type: la_domain::jobs::JobType::StaleReadRefresh,
            subject,
            // A user's own recalculation is theirs to follow through J1.
            user_id: (key.subject_type == SubjectType::User).then_some(UserId(key.subject_id)),
            analytics: vec![key.analytics_type.clone()],
            request_id: None,
        };
        match crate::jobs::request_refresh(jobs.as_ref(), request, now).await {
            Ok(enqueued) => {
                self.recent_refreshes.insert(coalesce_key, enqueued.id());
                Some(enqueued.id())
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not schedule the stale-read refresh");
                None
            }
        }
    }

    /// The same reader (sharing its caches) reporting to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn ReadObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// A platform snapshot at most a few minutes old, loading one if needed (one load at a
    /// time; waiting callers share it).
    async fn platform_snapshot(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Arc<PlatformSnapshot>, ReadError> {
        let mut slot = self.snapshot.lock().await;
        if let Some(snapshot) = slot.as_ref()
            && now - snapshot.loaded_at < SNAPSHOT_TTL
        {
            return Ok(snapshot.clone());
        }
        let inputs = load_platform(self.store.as_ref(), |_, _| {}).await?;
        let snapshot = tokio::task::spawn_blocking(move || PlatformSnapshot::build(inputs, now))
            .await
            .map_err(|e| ReadError::Compute(e.to_string()))?;
        let snapshot = Arc::new(snapshot);
        *slot = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// Forgets the in-process copies of every result of `scope`'s organisations after a
    /// recalculation stored new ones (`data.md` 8: invalidated when the recalculation
    /// commits), and the platform snapshot.
    pub fn invalidate(&self, scope: &crate::analytics::batch::Scope) {
        match scope.organizations() {
            None => self.memory.invalidate_all(),
            Some(orgs) => {
                // Closures need `support_invalidation_closures` on the builder.
                if let Err(error) = self
                    .memory
                    .invalidate_entries_if(move |_, result| orgs.contains(&result.organization_id))
                {
                    tracing::warn!(%error, "cache invalidation failed; clearing the cache");
                    self.memory.invalidate_all();
                }
            }
        }
        if let Ok(mut slot) = self.snapshot.try_lock() {
            *slot = None;
        }
    }

    /// Forgets the in-process copy of a result that was changed in storage.
    pub fn evict(&self, key: &ResultKey) {
        self.memory.invalidate(key);
    }

    /// Drops the platform snapshot, so that the next on-demand read loads a fresh one (after a
    /// change of populations such as a leaderboard opt-out).
    pub async fn forget_platform_snapshot(&self) {
        *self.snapshot.lock().await = None;
    }

    /// The stored result for `key`, or one computed from a platform snapshot by `compute`
    /// (`None` = unknown subject) and stored.
    pub async fn read_on_demand(
        &self,
        key: ResultKey,
        reader: &ReadContext,
        now: DateTime<Utc>,
        compute: impl FnOnce(&PlatformSnapshot, ResultKey) -> Option<StoredResult> + Send + 'static,
    ) -> Result<Served, ReadError> {
        if let Some(result) = self.memory.get(&key) {
            self.observer.hit(CacheLayer::Memory);
            return Ok(Served {
                result,
                cached: true,
                refresh_job: None,
            });
        }
        if let Some(result) = self.stored_for(reader, &key).await? {
            self.observer.hit(CacheLayer::Store);
            let result = Arc::new(result);
            self.memory.insert(key, result.clone());
            return Ok(Served {
                result,
                cached: true,
                refresh_job: None,
            });
        }
        let started = std::time::Instant::now();
        let snapshot = self.platform_snapshot(now).await?;
        let computed_key = key.clone();
        let computed = tokio::task::spawn_blocking(move || compute(&snapshot, computed_key)).await;
        self.observer.computed(started.elapsed());
        let mut result = computed
            .map_err(|e| ReadError::Compute(e.to_string()))?
            .ok_or(ReadError::NotFound)?;
        super::coverage::Marking::load(self.store.as_ref(), now)
            .await?
            .mark(&mut result);
        self.observer.miss();
        self.store
            .upsert_results(std::slice::from_ref(&result))
            .await?;
        // Served as re-read through row-level security, like every stored result (data.md 4.1).
        let result = self
            .stored_for(reader, &key)
            .await?
            .ok_or(ReadError::NotFound)?;
        let result = Arc::new(result);
        self.memory.insert(key, result.clone());
        Ok(Served {
            result,
            cached: false,
            refresh_job: None,
        })
    }

    /// The stored result for `key` as `reader` may see it. A row that exists but is hidden
    /// from `reader` is `Denied`, never taken for a missing one (which would recompute the
    /// organisation on every such request).
    async fn stored_for(
        &self,
        reader: &ReadContext,
        key: &ResultKey,
    ) -> Result<Option<StoredResult>, ReadError> {
        match self.store.get_result_for(reader, key).await? {
            Some(result) => Ok(Some(result)),
            None if self.store.get_result(key).await?.is_some() => Err(ReadError::Denied),
            None => Ok(None),
        }
    }

    /// Whether the user exists and holds `role` (existence check of `api.md` 1.4 step 8).
    pub async fn user_holds(&self, user: UserId, role: Role) -> Result<bool, StoreError> {
        Ok(self
            .store
            .user_profile(user)
            .await?
            .is_some_and(|u| u.roles.contains(&role)))
    }

    pub async fn organization_exists(&self, org: OrgId) -> Result<bool, StoreError> {
        Ok(self.store.organization_ids().await?.contains(&org))
    }

    /// The stored result for `key`, computing it when there is none; a stale result also
    /// schedules its recalculation (`refresh_job`).
    ///
    /// `reader` is the caller the HTTP layer has already checked (`api.md` 1.3): the in-process
    /// cache trusts those checks (data.md 8.1), every database read goes through row-level
    /// security as `reader` ([`crate::ports::ResultStore::get_result_for`]).
    pub async fn read(
        &self,
        key: ResultKey,
        reader: &ReadContext,
        now: DateTime<Utc>,
    ) -> Result<Served, ReadError> {
        let mut served = self.read_stored(key.clone(), reader, now).await?;
        if served.is_stale(now) {
            served.refresh_job = self.schedule_refresh(&key, now).await;
        }
        Ok(served)
    }

    /// The stored result for `key`, computing it when there is none.
    async fn read_stored(
        &self,
        key: ResultKey,
        reader: &ReadContext,
        now: DateTime<Utc>,
    ) -> Result<Served, ReadError> {
        if let Some(result) = self.memory.get(&key) {
            self.observer.hit(CacheLayer::Memory);
            return Ok(Served {
                result,
                cached: true,
                refresh_job: None,
            });
        }
        if let Some(result) = self.stored_for(reader, &key).await? {
            let result = Arc::new(result);
            self.memory.insert(key, result.clone());
            self.observer.hit(CacheLayer::Store);
            return Ok(Served {
                result,
                cached: true,
                refresh_job: None,
            });
        }
        let org = self.organization_of(&key).await?;
        let window = window_of(&key);
        let gate = self
            .computing
            .lock()
            .expect("the in-flight map is never poisoned")
            .entry((org, window))
            .or_default()
            .clone();
        let _turn = gate.lock().await;
        // Another request may have computed it while this one waited.
        if let Some(result) = self.stored_for(reader, &key).await? {
            let result = Arc::new(result);
            self.memory.insert(key, result.clone());
            self.observer.hit(CacheLayer::Store);
            return Ok(Served {
                result,
                cached: true,
                refresh_job: None,
            });
        }
        tracing::info!(org = ?org.map(|o| o.0), window = window.as_str(), "computing analytics on a cache miss");
        self.observer.miss();
        let started = std::time::Instant::now();
        let computed = run_batch(
            self.store.clone(),
            BatchOptions { now, window, org },
            |_| {},
        )
        .await;
        self.observer.computed(started.elapsed());
        computed?;
        self.forget_organization(org);
        // The platform changed as far as this instance knows: reload for on-demand views.
        *self.snapshot.lock().await = None;
        let result = self
            .stored_for(reader, &key)
            .await?
            .ok_or(ReadError::NotFound)?;
        let result = Arc::new(result);
        self.memory.insert(key, result.clone());
        Ok(Served {
            result,
            cached: false,
            refresh_job: None,
        })
    }

    /// The organisation whose batch computes `key`; `NotFound` for an unknown subject.
    async fn organization_of(&self, key: &ResultKey) -> Result<Option<OrgId>, ReadError> {
        match key.subject_type {
            SubjectType::Platform => Ok(None),
            SubjectType::Organization => {
                let org = OrgId(key.subject_id);
                if self.organization_exists(org).await? {
                    Ok(Some(org))
                } else {
                    Err(ReadError::NotFound)
                }
            }
            SubjectType::User => {
                let user = self
                    .store
                    .user_profile(UserId(key.subject_id))
                    .await?
                    .ok_or(ReadError::NotFound)?;
                match key.role {
                    Some(role) if !user.roles.contains(&role) => Err(ReadError::NotFound),
                    _ => Ok(user.organization_id),
                }
            }
        }
    }

    /// Drops layer-1 entries of an organisation after it was recomputed here.
    fn forget_organization(&self, org: Option<OrgId>) {
        match org {
            // Platform-wide figures changed too; simplest is to start afresh.
            None => self.memory.invalidate_all(),
            Some(org) => {
                let org = Some(org);
                for (key, value) in self.memory.iter() {
                    if value.organization_id == org || value.organization_id.is_none() {
                        self.memory.invalidate(key.as_ref());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_comes_from_the_parameters() {
        let key = |params: &str| ResultKey {
            subject_type: SubjectType::User,
            subject_id: uuid::Uuid::nil(),
            role: Some(Role::Learner),
            analytics_type: "velocity".to_owned(),
            params_key: params.to_owned(),
        };
        assert_eq!(window_of(&key("window=7d")), Window::Days7);
        assert_eq!(window_of(&key("courseId=x&window=90d")), Window::Days90);
        assert_eq!(window_of(&key("default")), Window::Days30);
    }
}
