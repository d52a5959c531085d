//! Prometheus metrics served at `GET /metrics`: request counts and latencies per route
//! template, and the analytics reader's cache hits, misses and on-miss computation times;
//! then the `upstream_*` and `microservice_fallback_total` families, which la-upstream keeps
//! and renders itself ([`la_upstream::metrics`]) because upstream calls run outside this
//! recorder's reach.
//!
//! Each [`AppState`](crate::AppState) owns its recorder instead of installing a global one, so
//! that several servers in one process (the API tests) keep separate figures. Labels are low
//! cardinality by construction: the matched route template (`unmatched` otherwise), never the
//! raw path with its ids.

use ::metrics::{Unit, counter, describe_counter, describe_histogram, histogram};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use la_app::analytics::read::{CacheLayer, ReadObserver};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const HTTP_REQUESTS: &str = "http_requests_total";
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
pub const CACHE_HITS: &str = "analytics_cache_hits_total";
pub const CACHE_MISSES: &str = "analytics_cache_misses_total";
pub const COMPUTATION: &str = "analytics_computation_seconds";

/// Request latency buckets (seconds): the spec's targets are 100 ms (system), 500 ms (cached
/// analytics) and 2 s (fresh analytics), so each falls on a bucket edge.
const REQUEST_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0,
];
/// On-miss computation runs a whole organisation's batch: seconds to minutes.
const COMPUTATION_BUCKETS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0];

/// Histogram samples wait in buckets until a scrape drains them; without scrapes they would
/// pile up, so the middleware drains them itself every this many requests.
const UPKEEP_EVERY: u64 = 4096;

/// One service's metrics registry.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    requests: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), REQUEST_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(COMPUTATION.to_owned()), COMPUTATION_BUCKETS)
            })
            .expect("bucket lists are not empty")
            .build_recorder();
        let handle = recorder.handle();
        let metrics = Metrics {
            recorder,
            handle,
            requests: AtomicU64::new(0),
        };
        metrics.record(|| {
            describe_counter!(
                HTTP_REQUESTS,
                "HTTP requests by method, route template and status."
            );
            describe_histogram!(
                HTTP_DURATION,
                Unit::Seconds,
                "HTTP request latency by method, route template and status."
            );
            describe_counter!(
                CACHE_HITS,
                "Analytics reads answered by a cache layer (memory or the result store)."
            );
            describe_counter!(CACHE_MISSES, "Analytics reads computed on the spot.");
            describe_histogram!(
                COMPUTATION,
                Unit::Seconds,
                "Duration of on-miss analytics computations (one organisation's batch)."
            );
        });
        metrics
    }

    /// Runs `f` with this registry as the thread's recorder, so the facade macros write here
    /// and not to a process-global recorder. `f` is synchronous: the recorder never leaks
    /// across an `.await` onto another task.
    fn record(&self, f: impl FnOnce()) {
        ::metrics::with_local_recorder(&self.recorder, f);
    }

    /// Counts one finished request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = [
            ("method", method.to_owned()),
            ("route", route.to_owned()),
            ("status", status.to_string()),
        ];
        self.record(|| {
            counter!(HTTP_REQUESTS, &labels).increment(1);
            histogram!(HTTP_DURATION, &labels).record(elapsed.as_secs_f64());
        });
        if self.requests.fetch_add(1, Ordering::Relaxed) % UPKEEP_EVERY == UPKEEP_EVERY - 1 {
            self.handle.run_upkeep();
        }
    }

    /// The Prometheus text exposition of everything recorded so far.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

impl ReadObserver for Metrics {
    fn hit(&self, layer: CacheLayer) {
        self.record(|| counter!(CACHE_HITS, "layer" => layer.as_str()).increment(1));
    }

    fn miss(&self) {
        self.record(|| counter!(CACHE_MISSES).increment(1));
    }

    fn computed(&self, elapsed: Duration) {
        self.record(|| histogram!(COMPUTATION).record(elapsed.as_secs_f64()));
    }
}

/// Middleware counting every request under its route template.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    metrics.observe_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The recorder's families, then the upstream ones.
fn render_all(state: &crate::AppState) -> String {
    let mut text = state.metrics.render();
    if let Some(upstreams) = &state.integration {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&upstreams.render_prometheus());
    }
    text
}

/// M1 `GET /metrics`: the Prometheus text format (version 0.0.4).
pub async fn scrape(State(state): State<crate::AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        render_all(&state),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_registries_keep_separate_counts() {
        let a = Metrics::new();
        let b = Metrics::new();
        a.observe_request("GET", "/api/health", 200, Duration::from_millis(3));
        a.hit(CacheLayer::Memory);
        let text = a.render();
        assert!(
            text.contains(
                r#"http_requests_total{method="GET",route="/api/health",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/api/health",status="200",le="0.005"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"analytics_cache_hits_total{layer="memory"} 1"#),
            "{text}"
        );
        assert!(!b.render().contains(HTTP_REQUESTS));
    }
}
