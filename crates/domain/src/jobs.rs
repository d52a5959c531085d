//! The rules of the job queue (`data.md` 6, `api.md` 4): job types with their priority,
//! timeout and attempt budget, states, retry backoff and lease expiry.
//!
//! Pure: the clock is a parameter. The queue itself (storage, workers) lives in `la-app` and
//! the adapters; everything they decide by rule is decided here so it is tested once.

use chrono::{DateTime, Duration, Utc};
use std::fmt;

/// What a job does. The stored and wire spelling is [`JobType::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobType {
    /// `POST /api/v1/analytics/refresh` (S3).
    ManualAnalyticsRefresh,
    /// A login found a held role's analytics older than 6 h (`api.md` 4.3).
    LoginStalenessRefresh,
    /// A read served a stale result (`api.md` 1.9, 4.3).
    StaleReadRefresh,
    /// The 02:00 UTC batch: plans the day's chunks.
    DailyAnalyticsBatch,
    /// One chunk (about 500 subjects) of a daily batch; any instance may claim it.
    BatchAnalyticsChunk,
    /// A chunk that exhausted its attempts, run once more 5 minutes later (`api.md` 4.1).
    BatchAnalyticsRetry,
    /// Operator-triggered data collection (`api.md` D1); ends by recomputing the user.
    DataCollection,
    /// Push ingestion changed an organisation's inputs (decision 11).
    IngestRefresh,
    /// The 04:30 UTC retention clean-up (`data.md` 7).
    RetentionCleanup,
}

/// A stored job type this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job type `{0}`")]
pub struct UnknownJobType(pub String);

impl JobType {
    pub const ALL: [JobType; 9] = [
        JobType::ManualAnalyticsRefresh,
        JobType::LoginStalenessRefresh,
        JobType::StaleReadRefresh,
        JobType::DailyAnalyticsBatch,
        JobType::BatchAnalyticsChunk,
        JobType::BatchAnalyticsRetry,
        JobType::DataCollection,
        JobType::IngestRefresh,
        JobType::RetentionCleanup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobType::ManualAnalyticsRefresh => "manual-analytics-refresh",
            JobType::LoginStalenessRefresh => "login-staleness-refresh",
            JobType::StaleReadRefresh => "stale-read-refresh",
            JobType::DailyAnalyticsBatch => "daily-analytics-batch",
            JobType::BatchAnalyticsChunk => "batch-analytics-chunk",
            JobType::BatchAnalyticsRetry => "batch-analytics-retry",
            JobType::DataCollection => "data-collection",
            JobType::IngestRefresh => "ingest-refresh",
            JobType::RetentionCleanup => "retention-cleanup",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownJobType> {
        JobType::ALL
            .into_iter()
            .find(|t| t.as_str() == value)
            .ok_or_else(|| UnknownJobType(value.to_owned()))
    }

    /// Claim order: higher first (`data.md` 6.1), so interactive work never waits behind
    /// batch chunks.
    pub fn priority(self) -> i16 {
        match self {
            JobType::ManualAnalyticsRefresh => 30,
            JobType::DataCollection => 25,
            JobType::LoginStalenessRefresh | JobType::StaleReadRefresh => 20,
            JobType::IngestRefresh => 15,
            JobType::RetentionCleanup => 5,
            JobType::DailyAnalyticsBatch
            | JobType::BatchAnalyticsChunk
            | JobType::BatchAnalyticsRetry => 0,
        }
    }

    /// Run timeout (`api.md` 4.5): refresh and collection 10 min, the daily batch 4 h.
    /// Running longer is a failed attempt.
    pub fn timeout(self) -> Duration {
        match self {
            JobType::ManualAnalyticsRefresh
            | JobType::LoginStalenessRefresh
            | JobType::StaleReadRefresh
            | JobType::DataCollection
            | JobType::IngestRefresh => Duration::minutes(10),
            JobType::DailyAnalyticsBatch | JobType::BatchAnalyticsChunk => Duration::hours(4),
            JobType::BatchAnalyticsRetry => Duration::hours(2),
            JobType::RetentionCleanup => Duration::hours(1),
        }
    }

    /// First attempt plus retries: 1 + 3 (`api.md` 4.5); the batch retry runs once.
    pub fn max_attempts(self) -> i16 {
        match self {
            JobType::BatchAnalyticsRetry => 1,
            _ => 4,
        }
    }

    /// Whether `GET /api/v1/jobs/:jobId` may show this type at all (`api.md` 2.10); the
    /// internal types answer 404.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            JobType::ManualAnalyticsRefresh
                | JobType::LoginStalenessRefresh
                | JobType::StaleReadRefresh
                | JobType::DailyAnalyticsBatch
                | JobType::BatchAnalyticsRetry
                | JobType::DataCollection
        )
    }

    /// Batch jobs are shown to platform admins only (`api.md` 2.10).
    pub fn is_batch(self) -> bool {
        matches!(
            self,
            JobType::DailyAnalyticsBatch
                | JobType::BatchAnalyticsChunk
                | JobType::BatchAnalyticsRetry
        )
    }

    /// Recalculations of one (subject, role): coalesced under `calc:<type>:<id>:<role>`.
    pub fn is_subject_refresh(self) -> bool {
        matches!(
            self,
            JobType::ManualAnalyticsRefresh
                | JobType::LoginStalenessRefresh
                | JobType::StaleReadRefresh
        )
    }
}

impl fmt::Display for JobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Job states (`api.md` 4.4). `Failed` is terminal ("dead"): retries are exhausted; a failed
/// attempt with retries left goes back to `Pending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job status `{0}`")]
pub struct UnknownJobStatus(pub String);

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownJobStatus> {
        [
            JobStatus::Pending,
            JobStatus::Running,
            JobStatus::Completed,
            JobStatus::Failed,
            JobStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
        .ok_or_else(|| UnknownJobStatus(value.to_owned()))
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

/// Delay before retry number `attempts_made` (1-based: the attempt that just failed):
/// 60 s × 2^(attempts − 1), i.e. 60, 120, 240 s (`data.md` 6.2).
pub fn retry_backoff(attempts_made: i16) -> Duration {
    QueueTiming::default().retry_backoff(attempts_made)
}

/// What happens to a job whose attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Back to `pending`, claimable from `run_after`.
    Retry { run_after: DateTime<Utc> },
    /// Attempts exhausted: terminal `failed`.
    Dead,
}

/// Decides between retry and death after attempt `attempts_made` of `max_attempts` failed.
pub fn after_failure(attempts_made: i16, max_attempts: i16, now: DateTime<Utc>) -> AfterFailure {
    QueueTiming::default().after_failure(attempts_made, max_attempts, now)
}

/// A worker that misses heartbeats this long is presumed dead (`data.md` 6.3: heartbeat
/// every 30 s, reaped after 120 s).
pub const HEARTBEAT_GRACE: Duration = Duration::seconds(120);
/// How often a running job's worker refreshes its heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::seconds(30);
/// The first retry's delay; each further retry doubles it.
pub const RETRY_BASE: Duration = Duration::seconds(60);

/// Whether a running job's lease is gone: past its run timeout, or its worker stopped
/// beating (crash, SIGKILL). Such a job counts as a failed attempt.
pub fn lease_expired(
    started_at: Option<DateTime<Utc>>,
    heartbeat_at: Option<DateTime<Utc>>,
    timeout_s: i64,
    now: DateTime<Utc>,
) -> bool {
    QueueTiming::default().lease_expired(started_at, heartbeat_at, timeout_s, now)
}

/// The queue's clocks: how long a silent worker keeps its lease and how long a failed
/// attempt waits. The defaults are `data.md` 6.2/6.3's (lease 120 s, heartbeat every 30 s,
/// retries after 60/120/240 s); operators may shorten them (`LA_JOB_LEASE_SECONDS`,
/// `LA_JOB_RETRY_SECONDS`), which is how the crash tests reach a retry in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueTiming {
    /// A worker silent this long is presumed dead and its job reaped.
    pub lease: Duration,
    /// The delay before the first retry.
    pub retry_base: Duration,
}

impl Default for QueueTiming {
    fn default() -> Self {
        QueueTiming {
            lease: HEARTBEAT_GRACE,
            retry_base: RETRY_BASE,
        }
    }
}

impl QueueTiming {
    /// A quarter of the lease (30 s by default): three beats may go missing before the
    /// lease is lost.
    pub fn heartbeat_every(&self) -> Duration {
        self.lease / 4
    }

    /// Half the lease (60 s by default): a dead worker's job is back in the queue at most
    /// 1.5 leases after its last beat.
    pub fn reap_every(&self) -> Duration {
        self.lease / 2
    }

    /// `retry_base` × 2^(attempts − 1) (see [`retry_backoff`]).
    pub fn retry_backoff(&self, attempts_made: i16) -> Duration {
        let exponent = u32::try_from(attempts_made.max(1) - 1).unwrap_or(0).min(10);
        self.retry_base * (1_i32 << exponent)
    }

    /// See [`after_failure`].
    pub fn after_failure(
        &self,
        attempts_made: i16,
        max_attempts: i16,
        now: DateTime<Utc>,
    ) -> AfterFailure {
        if attempts_made >= max_attempts {
            AfterFailure::Dead
        } else {
            AfterFailure::Retry {
                run_after: now + self.retry_backoff(attempts_made),
            }
        }
    }

    /// See [`lease_expired`].
    pub fn lease_expired(
        &self,
        started_at: Option<DateTime<Utc>>,
        heartbeat_at: Option<DateTime<Utc>>,
        timeout_s: i64,
        now: DateTime<Utc>,
    ) -> bool {
        let Some(started) = started_at else {
            // Running without a start time is corrupt state: free it.
            return true;
        };
        if now - started > Duration::seconds(timeout_s) {
            return true;
        }
        let last_sign_of_life = heartbeat_at.unwrap_or(started);
        now - last_sign_of_life > self.lease
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, s).single().unwrap()
    }

    #[test]
    fn backoff_doubles_from_a_minute() {
        assert_eq!(retry_backoff(1), Duration::seconds(60));
        assert_eq!(retry_backoff(2), Duration::seconds(120));
        assert_eq!(retry_backoff(3), Duration::seconds(240));
        // Nonsense inputs stay bounded.
        assert_eq!(retry_backoff(0), Duration::seconds(60));
        assert_eq!(retry_backoff(i16::MAX), Duration::seconds(60 * 1024));
    }

    #[test]
    fn three_retries_then_dead() {
        let now = at(10, 0, 0);
        let max = JobType::ManualAnalyticsRefresh.max_attempts();
        assert_eq!(max, 4);
        assert_eq!(
            after_failure(1, max, now),
            AfterFailure::Retry {
                run_after: at(10, 1, 0)
            }
        );
        assert_eq!(
            after_failure(3, max, now),
            AfterFailure::Retry {
                run_after: at(10, 4, 0)
            }
        );
        assert_eq!(after_failure(4, max, now), AfterFailure::Dead);
        assert_eq!(
            after_failure(1, JobType::BatchAnalyticsRetry.max_attempts(), now),
            AfterFailure::Dead
        );
    }

    #[test]
    fn timeouts_follow_the_spec() {
        assert_eq!(
            JobType::ManualAnalyticsRefresh.timeout(),
            Duration::minutes(10)
        );
        assert_eq!(JobType::DailyAnalyticsBatch.timeout(), Duration::hours(4));
    }

    #[test]
    fn names_round_trip_and_unknown_is_refused() {
        for t in JobType::ALL {
            assert_eq!(JobType::parse(t.as_str()), Ok(t));
        }
        assert!(JobType::parse("cleanup").is_err());
        for s in ["pending", "running", "completed", "failed", "cancelled"] {
            assert_eq!(JobStatus::parse(s).map(JobStatus::as_str), Ok(s));
        }
        assert!(JobStatus::parse("dead").is_err());
    }

    #[test]
    fn shortened_timings_scale_lease_beat_and_backoff() {
        let timing = QueueTiming {
            lease: Duration::seconds(4),
            retry_base: Duration::seconds(1),
        };
        assert_eq!(timing.heartbeat_every(), Duration::seconds(1));
        assert_eq!(timing.reap_every(), Duration::seconds(2));
        assert_eq!(timing.retry_backoff(3), Duration::seconds(4));
        let start = at(10, 0, 0);
        assert!(!timing.lease_expired(Some(start), Some(start), 600, at(10, 0, 4)));
        assert!(timing.lease_expired(Some(start), Some(start), 600, at(10, 0, 5)));
        assert_eq!(
            timing.after_failure(1, 4, start),
            AfterFailure::Retry {
                run_after: at(10, 0, 1)
            }
        );
        let standard = QueueTiming::default();
        assert_eq!(standard.heartbeat_every(), HEARTBEAT_EVERY);
        assert_eq!(standard.reap_every(), Duration::seconds(60));
    }

    #[test]
    fn lease_expires_on_timeout_or_silence() {
        let start = at(10, 0, 0);
        // Beating, within the timeout.
        assert!(!lease_expired(
            Some(start),
            Some(at(10, 9, 0)),
            600,
            at(10, 9, 30)
        ));
        // Past the 10 min timeout although beating.
        assert!(lease_expired(
            Some(start),
            Some(at(10, 10, 0)),
            600,
            at(10, 10, 1)
        ));
        // Silent for over 120 s (the worker died).
        assert!(lease_expired(
            Some(start),
            Some(at(10, 1, 0)),
            600,
            at(10, 3, 1)
        ));
        assert!(!lease_expired(Some(start), None, 600, at(10, 2, 0)));
        assert!(lease_expired(None, None, 600, start));
    }

    #[test]
    fn visibility_classes() {
        assert!(JobType::DailyAnalyticsBatch.is_public());
        assert!(JobType::DailyAnalyticsBatch.is_batch());
        assert!(!JobType::RetentionCleanup.is_public());
        assert!(!JobType::BatchAnalyticsChunk.is_public());
        assert!(JobType::StaleReadRefresh.is_subject_refresh());
        assert!(!JobType::IngestRefresh.is_subject_refresh());
    }
}
