//! The worker use case: claim a job, run its handler under the run timeout while beating the
//! lease, then complete it, or record a failed attempt (retry after 60/120/240 s, then dead
//! with the last error). The reaper turns jobs whose lease expired (crash, SIGKILL, timeout)
//! into failed attempts the same way.

use super::handlers::{JobFailure, JobHandler, Progress, batch_retry_job};
use super::new_job;
use crate::ports::{Coalesce, FailedAttempt, Job, JobStore, Lease, StoreError};
use chrono::{DateTime, Utc};
use la_domain::jobs::{AfterFailure, JobType, QueueTiming};
use std::sync::Arc;
use tokio::sync::watch;
use uuid::Uuid;

/// The time source (tests move it forward to reach retries).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Stored error texts are cut here: they are shown to clients (J1) and must stay small.
const ERROR_CHARS: usize = 500;

/// What one `run_once` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// Nothing was due.
    Idle,
    Completed(Uuid),
    /// Failed; back to pending for a later attempt.
    Retrying(Uuid),
    /// Failed with no attempts left (status `failed`).
    Dead(Uuid),
    /// Failed; its retry merged into another pending job of the same key.
    Superseded {
        job: Uuid,
        into: Uuid,
    },
    /// Given back unfinished at shutdown, attempt not consumed.
    Released(Uuid),
    /// The lease was lost meanwhile (reaped as expired); the outcome was not written.
    LeaseLost(Uuid),
}

pub struct Worker {
    jobs: Arc<dyn JobStore>,
    handler: Arc<dyn JobHandler>,
    id: String,
    types: Vec<JobType>,
    clock: Clock,
    timing: QueueTiming,
}

impl Worker {
    /// A worker named `id` (unique per process and slot: it is the lease holder) that claims
    /// jobs of `types`.
    pub fn new(
        jobs: Arc<dyn JobStore>,
        handler: Arc<dyn JobHandler>,
        id: impl Into<String>,
        types: Vec<JobType>,
    ) -> Self {
        Worker {
            jobs,
            handler,
            id: id.into(),
            types,
            clock: Arc::new(Utc::now),
            timing: QueueTiming::default(),
        }
    }

    /// Other lease, heartbeat and backoff timings than `data.md`'s (`LA_JOB_LEASE_SECONDS`).
    pub fn with_timing(mut self, timing: QueueTiming) -> Self {
        self.timing = timing;
        self
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims and runs at most one job. When `shutdown` turns true while the job runs, the
    /// job gets `grace` to finish, then goes back to pending without consuming its attempt.
    pub async fn run_once(
        &self,
        shutdown: &watch::Receiver<bool>,
        grace: std::time::Duration,
    ) -> Result<Ran, StoreError> {
        let Some(job) = self
            .jobs
            .claim(&self.id, &self.types, (self.clock)())
            .await?
        else {
            return Ok(Ran::Idle);
        };
        let lease = Lease {
            job_id: job.id,
            worker: self.id.clone(),
            attempt: job.attempts,
        };
        tracing::info!(job_id = %job.id, job_type = %job.job_type, attempt = job.attempts, "job started");
        let progress = Progress::default();
        let timeout =
            std::time::Duration::from_secs(u64::try_from(job.timeout_s).unwrap_or(1).max(1));
        let work = tokio::time::timeout(timeout, self.handler.run(&job, &progress));
        tokio::pin!(work);
        let heartbeat_every = self
            .timing
            .heartbeat_every()
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(30))
            .max(std::time::Duration::from_millis(100));
        let mut beat = tokio::time::interval(heartbeat_every);
        beat.tick().await;
        let mut shutdown = shutdown.clone();
        let mut deadline: Option<tokio::time::Instant> = None;
        let outcome = loop {
            let release_at = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                outcome = &mut work => break outcome,
                _ = beat.tick() => {
                    match self.jobs.heartbeat(&lease, progress.get(), (self.clock)()).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(job_id = %job.id, "job lease lost; abandoning the run");
                            return Ok(Ran::LeaseLost(job.id));
                        }
                        // A missed beat is not fatal: the lease survives four beats.
                        Err(e) => tracing::warn!(job_id = %job.id, error = %e, "heartbeat failed"),
                    }
                }
                changed = shutdown.changed(), if deadline.is_none() => {
                    if changed.is_err() || *shutdown.borrow() {
                        deadline = Some(tokio::time::Instant::now() + grace);
                    }
                }
                _ = release_at => {
                    let released = self.jobs.release(&lease, (self.clock)()).await?;
                    tracing::info!(job_id = %job.id, released, "job given back at shutdown");
                    return Ok(if released { Ran::Released(job.id) } else { Ran::LeaseLost(job.id) });
                }
            }
        };
        let now = (self.clock)();
        match outcome {
            Ok(Ok(output)) => {
                let done = self
                    .jobs
                    .complete(&lease, &output.completed_analytics, output.result, now)
                    .await?;
                tracing::info!(job_id = %job.id, done, "job completed");
                Ok(if done {
                    Ran::Completed(job.id)
                } else {
                    Ran::LeaseLost(job.id)
                })
            }
            Ok(Err(failure)) => {
                record_failure(self.jobs.as_ref(), &self.timing, &job, &lease, failure, now).await
            }
            Err(_) => {
                let failure =
                    JobFailure::whole(&job, format!("timed out after {} s", job.timeout_s));
                record_failure(self.jobs.as_ref(), &self.timing, &job, &lease, failure, now).await
            }
        }
    }
}

fn sanitise(message: &str) -> String {
    message.chars().take(ERROR_CHARS).collect()
}

/// Records a failed attempt of `job`: back to pending after the backoff, or dead when no
/// attempts are left (a dead batch chunk is queued once more as `batch-analytics-retry`).
pub async fn record_failure(
    jobs: &dyn JobStore,
    timing: &QueueTiming,
    job: &Job,
    lease: &Lease,
    failure: JobFailure,
    now: DateTime<Utc>,
) -> Result<Ran, StoreError> {
    let error = sanitise(&failure.message);
    tracing::warn!(job_id = %job.id, job_type = %job.job_type, attempt = job.attempts, %error, "job attempt failed");
    let mut attempt = FailedAttempt {
        error: error.clone(),
        retry_at: None,
        failed_analytics: failure.failed_analytics.clone(),
        completed_analytics: failure.completed_analytics.clone(),
    };
    match timing.after_failure(job.attempts, job.max_attempts, now) {
        AfterFailure::Retry { run_after } => {
            attempt.retry_at = Some(run_after);
            match jobs.fail(lease, &attempt, now).await {
                Ok(true) => Ok(Ran::Retrying(job.id)),
                Ok(false) => Ok(Ran::LeaseLost(job.id)),
                // Another pending job holds the key (a manual refresh queued while this one
                // ran): the retry joins it and this job ends.
                Err(StoreError::Constraint { .. }) => {
                    let mut retry = new_job(job.job_type, now);
                    retry.subject = job.subject;
                    retry.user_id = job.user_id;
                    retry.request_id = job.request_id.clone();
                    retry.coalesce_key = job.coalesce_key.clone();
                    retry.payload = job.payload.clone();
                    retry.queued_analytics = failure.failed_analytics;
                    retry.run_after = run_after;
                    let into = jobs.enqueue(&retry, Coalesce::PendingOnly).await?.id();
                    attempt.retry_at = None;
                    attempt.error = sanitise(&format!("{error}; retried as job {into}"));
                    jobs.fail(lease, &attempt, now).await?;
                    Ok(Ran::Superseded { job: job.id, into })
                }
                Err(e) => Err(e),
            }
        }
        AfterFailure::Dead => {
            if !jobs.fail(lease, &attempt, now).await? {
                return Ok(Ran::LeaseLost(job.id));
            }
            tracing::error!(job_id = %job.id, job_type = %job.job_type, %error, "job dead: attempts exhausted");
            if let Some(retry) = batch_retry_job(job, now) {
                jobs.enqueue(&retry, Coalesce::PendingOnly).await?;
            }
            Ok(Ran::Dead(job.id))
        }
    }
}

/// Turns running jobs whose lease expired (past the run timeout, or no heartbeat for 120 s)
/// into failed attempts. Safe on every instance at once: each write is conditioned on the
/// lease it read.
pub async fn reap_expired(jobs: &dyn JobStore, now: DateTime<Utc>) -> Result<Vec<Ran>, StoreError> {
    reap_expired_with(jobs, &QueueTiming::default(), now).await
}

/// [`reap_expired`] with other timings (the lease length and the retry backoff).
pub async fn reap_expired_with(
    jobs: &dyn JobStore,
    timing: &QueueTiming,
    now: DateTime<Utc>,
) -> Result<Vec<Ran>, StoreError> {
    let mut reaped = Vec::new();
    for job in jobs.running_jobs().await? {
        if !timing.lease_expired(job.started_at, job.heartbeat_at, job.timeout_s, now) {
            continue;
        }
        let lease = Lease {
            job_id: job.id,
            worker: job.locked_by.clone().unwrap_or_default(),
            attempt: job.attempts,
        };
        let failure = JobFailure::whole(
            &job,
            "lease expired: the run timed out or its worker stopped",
        );
        reaped.push(record_failure(jobs, timing, &job, &lease, failure, now).await?);
    }
    Ok(reaped)
}
