//! Per-upstream call statistics for the status snapshot (`integration.md` 10.2): counts of
//! logical calls and attempts, last success and failure, and latency percentiles over the
//! most recent calls (a bounded ring, reset on restart). The `degraded` rule of 10.1 reads
//! the p95 of the calls of the last five minutes only ([`CallStats::recent_p95`]).

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// Latencies kept for the percentiles: a bound on memory. The snapshot's percentiles cover
/// these; the degraded rule further keeps only those of the last [`DEGRADED_WINDOW`].
const WINDOW: usize = 4_096;

/// The span of the p95 judged by the `degraded` rule (`integration.md` 10.1: "p95 over the
/// last 5 minutes above 1000 ms").
pub const DEGRADED_WINDOW: chrono::Duration = chrono::Duration::minutes(5);

#[derive(Debug, Default)]
struct Inner {
    calls: u64,
    successes: u64,
    failures: u64,
    attempts: u64,
    last_success: Option<DateTime<Utc>>,
    last_failure: Option<DateTime<Utc>>,
    last_error: Option<String>,
    /// When each successful call ended and how long it took, oldest first.
    latencies_ms: VecDeque<(DateTime<Utc>, u64)>,
}

/// Thread-safe counters of one upstream.
#[derive(Debug, Default)]
pub struct CallStats {
    inner: Mutex<Inner>,
}

/// The figures of [`CallStats`] at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsSnapshot {
    pub total_requests: u64,
    pub successful_requests: u64,
    pub failed_requests: u64,
    pub attempts: u64,
    pub success_rate: Option<f64>,
    pub last_successful_call: Option<DateTime<Utc>>,
    pub last_failure: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub average_response_time_ms: Option<f64>,
    pub p50_response_time_ms: Option<u64>,
    pub p95_response_time_ms: Option<u64>,
    pub p99_response_time_ms: Option<u64>,
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

impl CallStats {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn attempt(&self) {
        self.lock().attempts += 1;
    }

    pub fn success(&self, at: DateTime<Utc>, latency: Duration) {
        let mut s = self.lock();
        s.calls += 1;
        s.successes += 1;
        s.last_success = Some(at);
        if s.latencies_ms.len() == WINDOW {
            s.latencies_ms.pop_front();
        }
        s.latencies_ms
            .push_back((at, u64::try_from(latency.as_millis()).unwrap_or(u64::MAX)));
    }

    /// The p95 latency of the calls that ended within [`DEGRADED_WINDOW`] before `now`
    /// (`None` without any), for the `degraded` rule. `now` is a parameter so the window
    /// can be tested without waiting.
    pub fn recent_p95(&self, now: DateTime<Utc>) -> Option<u64> {
        let since = now - DEGRADED_WINDOW;
        let s = self.lock();
        let mut recent: Vec<u64> = s
            .latencies_ms
            .iter()
            .filter(|(at, _)| since <= *at && *at <= now)
            .map(|(_, ms)| *ms)
            .collect();
        recent.sort_unstable();
        percentile(&recent, 95.0)
    }

    /// A failed logical call; `error` must hold no secret or payload.
    pub fn failure(&self, at: DateTime<Utc>, error: String) {
        let mut s = self.lock();
        s.calls += 1;
        s.failures += 1;
        s.last_failure = Some(at);
        s.last_error = Some(error);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let s = self.lock();
        let mut sorted: Vec<u64> = s.latencies_ms.iter().map(|(_, ms)| *ms).collect();
        sorted.sort_unstable();
        let average =
            (!sorted.is_empty()).then(|| sorted.iter().sum::<u64>() as f64 / sorted.len() as f64);
        StatsSnapshot {
            total_requests: s.calls,
            successful_requests: s.successes,
            failed_requests: s.failures,
            attempts: s.attempts,
            success_rate: (s.calls > 0).then(|| s.successes as f64 / s.calls as f64),
            last_successful_call: s.last_success,
            last_failure: s.last_failure,
            last_error: s.last_error.clone(),
            average_response_time_ms: average,
            p50_response_time_ms: percentile(&sorted, 50.0),
            p95_response_time_ms: percentile(&sorted, 95.0),
            p99_response_time_ms: percentile(&sorted, 99.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let stats = CallStats::default();
        for ms in 1..=100 {
            stats.success(Utc::now(), Duration::from_millis(ms));
        }
        stats.failure(Utc::now(), "timeout".into());
        let s = stats.snapshot();
        assert_eq!(s.p50_response_time_ms, Some(50));
        assert_eq!(s.p95_response_time_ms, Some(95));
        assert_eq!(s.p99_response_time_ms, Some(99));
        assert_eq!(s.total_requests, 101);
        assert_eq!(s.failed_requests, 1);
        assert_eq!(s.average_response_time_ms, Some(50.5));
    }

    #[test]
    fn the_recent_p95_covers_only_the_last_five_minutes() {
        use chrono::TimeZone;
        let start = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let stats = CallStats::default();
        // Twenty slow calls, then nine minutes later twenty fast ones.
        for i in 0..20 {
            stats.success(
                start + chrono::Duration::seconds(i),
                Duration::from_millis(3_000),
            );
        }
        let fast_from = start + chrono::Duration::minutes(9);
        for i in 0..20 {
            stats.success(
                fast_from + chrono::Duration::seconds(i),
                Duration::from_millis(100),
            );
        }
        // Right after the slow calls they are the window.
        assert_eq!(
            stats.recent_p95(start + chrono::Duration::minutes(1)),
            Some(3_000)
        );
        // At 9 min 30 s only the fast calls are within five minutes: the slow ones no
        // longer count, although the snapshot of the last calls still holds them.
        let now = fast_from + chrono::Duration::seconds(30);
        assert_eq!(stats.recent_p95(now), Some(100));
        assert_eq!(stats.snapshot().p95_response_time_ms, Some(3_000));
        // Exactly five minutes old still counts; older not.
        let edge = start + chrono::Duration::seconds(19) + DEGRADED_WINDOW;
        assert_eq!(stats.recent_p95(edge), Some(3_000));
        // Nothing within the window: no figure.
        assert_eq!(stats.recent_p95(now + chrono::Duration::minutes(10)), None);
    }

    #[test]
    fn the_ring_is_bounded() {
        let stats = CallStats::default();
        let at = Utc::now();
        for _ in 0..WINDOW + 10 {
            stats.success(at, Duration::from_millis(5));
        }
        assert_eq!(stats.lock().latencies_ms.len(), WINDOW);
    }

    #[test]
    fn no_calls_no_figures() {
        let s = CallStats::default().snapshot();
        assert_eq!(s.p95_response_time_ms, None);
        assert_eq!(s.success_rate, None);
    }
}
