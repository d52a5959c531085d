//! Request statistics over the last minute, for the `metrics` of `GET /api/status`.
//!
//! Kept as 60 one-second buckets rather than one sample per request: recording is O(1)
//! and memory is fixed however many requests a minute brings (at 20 000 requests/s a
//! sample queue held over a million entries and was trimmed under the lock).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Seconds of traffic a snapshot covers.
const WINDOW_SECONDS: u64 = 60;

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    /// The second (since `RequestStats::started`) this bucket counts; stale otherwise.
    second: u64,
    requests: u64,
    total_micros: u64,
    server_errors: u64,
}

/// A sliding one-minute window of finished requests, at one-second resolution.
#[derive(Debug)]
pub struct RequestStats {
    started: Instant,
    buckets: Mutex<[Bucket; WINDOW_SECONDS as usize]>,
}

impl Default for RequestStats {
    fn default() -> Self {
        RequestStats {
            started: Instant::now(),
            buckets: Mutex::new([Bucket::default(); WINDOW_SECONDS as usize]),
        }
    }
}

/// Figures over the last minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsSnapshot {
    pub requests_per_minute: u64,
    /// Mean latency in milliseconds (0 without requests).
    pub average_response_ms: f64,
    /// Share of 5xx responses, 0-1.
    pub error_rate: f64,
}

impl RequestStats {
    fn second_of(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.started).as_secs()
    }

    pub fn record(&self, latency: Duration, server_error: bool) {
        self.record_at(Instant::now(), latency, server_error);
    }

    fn record_at(&self, now: Instant, latency: Duration, server_error: bool) {
        let second = self.second_of(now);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = &mut buckets[(second % WINDOW_SECONDS) as usize];
        if bucket.second != second {
            *bucket = Bucket {
                second,
                ..Bucket::default()
            };
        }
        bucket.requests += 1;
        bucket.total_micros += u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        bucket.server_errors += u64::from(server_error);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        self.snapshot_at(Instant::now())
    }

    fn snapshot_at(&self, now: Instant) -> StatsSnapshot {
        let current = self.second_of(now);
        let buckets = *self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        // The current second and the 59 before it; a bucket last written earlier is stale.
        let live = buckets
            .iter()
            .filter(|b| b.requests > 0 && current - b.second.min(current) < WINDOW_SECONDS);
        let (n, micros, errors) = live.fold((0u64, 0u64, 0u64), |(n, t, e), b| {
            (n + b.requests, t + b.total_micros, e + b.server_errors)
        });
        if n == 0 {
            return StatsSnapshot {
                requests_per_minute: 0,
                average_response_ms: 0.0,
                error_rate: 0.0,
            };
        }
        StatsSnapshot {
            requests_per_minute: n,
            average_response_ms: micros as f64 / n as f64 / 1000.0,
            error_rate: errors as f64 / n as f64,
        }
    }
}

/// Middleware recording every request's latency and outcome.
pub async fn record_request(
    State(stats): State<Arc<RequestStats>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    stats.record(started.elapsed(), response.status().is_server_error());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_counts_requests_latency_and_server_errors() {
        let stats = RequestStats::default();
        assert_eq!(stats.snapshot().requests_per_minute, 0);
        stats.record(Duration::from_millis(10), false);
        stats.record(Duration::from_millis(30), true);
        let snap = stats.snapshot();
        assert_eq!(snap.requests_per_minute, 2);
        assert!((snap.average_response_ms - 20.0).abs() < 1e-9);
        assert!((snap.error_rate - 0.5).abs() < 1e-9);
    }

    #[test]
    fn requests_older_than_a_minute_leave_the_window() {
        let stats = RequestStats::default();
        let t0 = stats.started;
        stats.record_at(t0, Duration::from_millis(100), true);
        stats.record_at(
            t0 + Duration::from_secs(30),
            Duration::from_millis(10),
            false,
        );
        // 59 s after the first request both still count.
        let snap = stats.snapshot_at(t0 + Duration::from_millis(59_900));
        assert_eq!(snap.requests_per_minute, 2);
        assert!((snap.average_response_ms - 55.0).abs() < 1e-9);
        // 60 s after it the first one is gone, the second one stays.
        let snap = stats.snapshot_at(t0 + Duration::from_secs(60));
        assert_eq!(snap.requests_per_minute, 1);
        assert!((snap.average_response_ms - 10.0).abs() < 1e-9);
        assert_eq!(snap.error_rate, 0.0);
        // A request 60 s after the first reuses its bucket and resets it.
        stats.record_at(
            t0 + Duration::from_secs(60),
            Duration::from_millis(20),
            false,
        );
        let snap = stats.snapshot_at(t0 + Duration::from_secs(60));
        assert_eq!(snap.requests_per_minute, 2);
        assert!((snap.average_response_ms - 15.0).abs() < 1e-9);
        // Two minutes of silence: nothing left.
        let snap = stats.snapshot_at(t0 + Duration::from_secs(200));
        assert_eq!(snap.requests_per_minute, 0);
    }
}
