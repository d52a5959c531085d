//! Request statistics over the last minute, for the `metrics` of `GET /api/status`.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    millis: f64,
    server_error: bool,
}

/// A sliding one-minute window of finished requests.
#[derive(Debug, Default)]
pub struct RequestStats {
    samples: Mutex<VecDeque<Sample>>,
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
    fn prune(samples: &mut VecDeque<Sample>, now: Instant) {
        while samples
            .front()
            .is_some_and(|s| now.duration_since(s.at) > WINDOW)
        {
            samples.pop_front();
        }
    }

    pub fn record(&self, latency: Duration, server_error: bool) {
        let now = Instant::now();
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        Self::prune(&mut samples, now);
        samples.push_back(Sample {
            at: now,
            millis: latency.as_secs_f64() * 1000.0,
            server_error,
        });
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        Self::prune(&mut samples, Instant::now());
        let n = samples.len();
        if n == 0 {
            return StatsSnapshot {
                requests_per_minute: 0,
                average_response_ms: 0.0,
                error_rate: 0.0,
            };
        }
        let total: f64 = samples.iter().map(|s| s.millis).sum();
        let errors = samples.iter().filter(|s| s.server_error).count();
        StatsSnapshot {
            requests_per_minute: n as u64,
            average_response_ms: total / n as f64,
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
}
