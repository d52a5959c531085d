//! Per-upstream call statistics for the status snapshot (`integration.md` 10.2): counts of
//! logical calls and attempts, last success and failure, and latency percentiles over the
//! most recent calls (a bounded ring, reset on restart).

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// Latencies kept for the percentiles.
const WINDOW: usize = 512;

#[derive(Debug, Default)]
struct Inner {
    calls: u64,
    successes: u64,
    failures: u64,
    attempts: u64,
    last_success: Option<DateTime<Utc>>,
    last_failure: Option<DateTime<Utc>>,
    last_error: Option<String>,
    latencies_ms: VecDeque<u64>,
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
            .push_back(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX));
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
        let mut sorted: Vec<u64> = s.latencies_ms.iter().copied().collect();
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
    fn no_calls_no_figures() {
        let s = CallStats::default().snapshot();
        assert_eq!(s.p95_response_time_ms, None);
        assert_eq!(s.success_rate, None);
    }
}
