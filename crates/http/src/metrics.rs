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

use ::metrics::{
    Counter, Histogram, Key, Label, Level, Metadata, Recorder, Unit, counter, describe_counter,
    describe_histogram, histogram,
};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use la_app::analytics::read::{CacheLayer, ReadObserver};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
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

/// The request counter and latency histogram of one (method, status) of a route.
type RequestSeries = HashMap<(Method, u16), (Counter, Histogram)>;

/// One service's metrics registry.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    requests: AtomicU64,
    /// Registered request series by route template: after a series' first request,
    /// recording is one map look-up and two atomic updates, with no label strings built.
    request_series: RwLock<HashMap<Box<str>, RequestSeries>>,
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
            request_series: RwLock::new(HashMap::new()),
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

    /// Counts one finished request. Methods outside the standard set are counted as
    /// `OTHER`, so that clients cannot mint new series.
    pub fn observe_request(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let method = standard_method(method);
        let seconds = elapsed.as_secs_f64();
        let recorded = {
            let series = self
                .request_series
                .read()
                .unwrap_or_else(|e| e.into_inner());
            series
                .get(route)
                .and_then(|by_status| by_status.get(&(method.clone(), status)))
                .map(|(count, latency)| {
                    count.increment(1);
                    latency.record(seconds);
                })
                .is_some()
        };
        if !recorded {
            let labels = vec![
                Label::new("method", method.as_str().to_owned()),
                Label::new("route", route.to_owned()),
                Label::new("status", status.to_string()),
            ];
            let metadata = Metadata::new(module_path!(), Level::INFO, Some(module_path!()));
            let count = self
                .recorder
                .register_counter(&Key::from_parts(HTTP_REQUESTS, labels.clone()), &metadata);
            let latency = self
                .recorder
                .register_histogram(&Key::from_parts(HTTP_DURATION, labels), &metadata);
            count.increment(1);
            latency.record(seconds);
            let mut series = self
                .request_series
                .write()
                .unwrap_or_else(|e| e.into_inner());
            series
                .entry(route.into())
                .or_default()
                .insert((method, status), (count, latency));
        }
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

/// `method` if it is one of the standard methods, else `OTHER`.
fn standard_method(method: &Method) -> Method {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    if STANDARD.contains(method) {
        method.clone()
    } else {
        Method::from_bytes(b"OTHER").expect("a valid method token")
    }
}

/// Middleware counting every request under its route template.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    metrics.observe_request(
        &method,
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
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
        a.observe_request(&Method::GET, "/api/health", 200, Duration::from_millis(3));
        a.observe_request(&Method::GET, "/api/health", 200, Duration::from_millis(30));
        a.observe_request(&Method::GET, "/api/health", 503, Duration::from_millis(3));
        let custom = Method::from_bytes(b"BREW").unwrap();
        a.observe_request(&custom, "unmatched", 405, Duration::from_millis(3));
        a.hit(CacheLayer::Memory);
        let text = a.render();
        assert!(
            text.contains(
                r#"http_requests_total{method="GET",route="/api/health",status="200"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"http_requests_total{method="GET",route="/api/health",status="503"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"http_requests_total{method="OTHER",route="unmatched",status="405"} 1"#
            ),
            "{text}"
        );
        assert!(!text.contains("BREW"), "{text}");
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
