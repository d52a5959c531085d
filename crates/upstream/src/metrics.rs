//! Per-endpoint call counters of one upstream and their Prometheus text (`integration.md`
//! 10.2): `upstream_requests_total{service,endpoint,outcome}`,
//! `upstream_attempts_total{service,endpoint,result}`,
//! `upstream_request_duration_seconds{service,endpoint}` (histogram),
//! `upstream_circuit_state{service}` (0 closed, 1 half-open, 2 open),
//! `upstream_circuit_trips_total{service}`,
//! `microservice_fallback_total{service,endpoint,kind}` and `upstream_health_status{service}`
//! (0 healthy, 1 degraded, 2 unhealthy).
//!
//! The figures live here, in plain counters updated by the transport, and are rendered as
//! text at scrape time: the http crate's recorder is per server and thread-local (see
//! `la_http::metrics`), which upstream calls running on other tasks cannot reach, and the
//! gauges are read from the breakers and the last probe at the moment of the scrape.
//! Labels are low cardinality: the service slug and the contract's endpoint *template*
//! (`/users/{userId}/scores`), never a path with ids. Reset on restart, like every metric.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

pub const REQUESTS: &str = "upstream_requests_total";
pub const ATTEMPTS: &str = "upstream_attempts_total";
pub const DURATION: &str = "upstream_request_duration_seconds";
pub const CIRCUIT_STATE: &str = "upstream_circuit_state";
pub const CIRCUIT_TRIPS: &str = "upstream_circuit_trips_total";
pub const FALLBACKS: &str = "microservice_fallback_total";
pub const HEALTH: &str = "upstream_health_status";

/// Logical-call latency buckets (seconds): the 5 s attempt timeout times 3 attempts plus
/// back-off is the ceiling; 1 s is the "slow" line of 10.1.
pub const DURATION_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];

/// How one logical call ended (`outcome` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// An answer (a 404 of the contract is an empty answer).
    Success,
    /// Failed after its attempts, or refused by the bulkhead.
    Failure,
    /// Refused by the open breaker without reaching the upstream.
    ShortCircuited,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::ShortCircuited => "short_circuited",
        }
    }
}

/// Where the data of a failed collector call comes from instead (`kind` label): the stored
/// rows of an earlier run (`last_known`), generated data (`mock`; never used in production,
/// decision 3), or nothing yet (`missing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FallbackKind {
    LastKnown,
    Mock,
    Missing,
}

impl FallbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FallbackKind::LastKnown => "last_known",
            FallbackKind::Mock => "mock",
            FallbackKind::Missing => "missing",
        }
    }
}

/// A cumulative-bucket histogram of seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Observations at or below each of [`DURATION_BUCKETS`] (not cumulative here).
    pub buckets: Vec<u64>,
    pub count: u64,
    pub sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if self.buckets.is_empty() {
            self.buckets = vec![0; DURATION_BUCKETS.len()];
        }
        if let Some(i) = DURATION_BUCKETS.iter().position(|edge| seconds <= *edge) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }

    /// `(le, cumulative count)` for each edge, `+Inf` last.
    pub fn cumulative(&self) -> Vec<(String, u64)> {
        let mut running = 0;
        let mut out: Vec<(String, u64)> = DURATION_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, edge)| {
                running += self.buckets.get(i).copied().unwrap_or(0);
                (edge.to_string(), running)
            })
            .collect();
        out.push(("+Inf".to_owned(), self.count));
        out
    }
}

/// The counters of one endpoint template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointFigures {
    pub requests: BTreeMap<&'static str, u64>,
    pub attempts: BTreeMap<&'static str, u64>,
    pub fallbacks: BTreeMap<&'static str, u64>,
    /// Calls that reached the upstream (short-circuited ones took no time).
    pub duration: Histogram,
}

/// Thread-safe per-endpoint counters of one upstream.
#[derive(Debug, Default)]
pub struct EndpointMetrics {
    inner: Mutex<BTreeMap<&'static str, EndpointFigures>>,
}

impl EndpointMetrics {
    fn with(&self, endpoint: &'static str, f: impl FnOnce(&mut EndpointFigures)) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(map.entry(endpoint).or_default());
    }

    /// One logical call; `elapsed` is `None` when it never reached the upstream.
    pub fn request(&self, endpoint: &'static str, outcome: Outcome, elapsed: Option<Duration>) {
        self.with(endpoint, |e| {
            *e.requests.entry(outcome.as_str()).or_default() += 1;
            if let Some(elapsed) = elapsed {
                e.duration.observe(elapsed.as_secs_f64());
            }
        });
    }

    /// One attempt (HTTP exchange) with its `result` label.
    pub fn attempt(&self, endpoint: &'static str, result: &'static str) {
        self.with(endpoint, |e| *e.attempts.entry(result).or_default() += 1);
    }

    pub fn fallback(&self, endpoint: &'static str, kind: FallbackKind) {
        self.with(endpoint, |e| {
            *e.fallbacks.entry(kind.as_str()).or_default() += 1
        });
    }

    pub fn snapshot(&self) -> BTreeMap<&'static str, EndpointFigures> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What the exposition shows of one configured upstream.
#[derive(Debug, Clone)]
pub struct ServiceFigures {
    pub service: &'static str,
    /// `None` for a mock upstream (no breaker).
    pub circuit_state: Option<u8>,
    pub circuit_trips: Option<u64>,
    /// 0 healthy, 1 degraded, 2 unhealthy.
    pub health: u8,
    pub endpoints: BTreeMap<&'static str, EndpointFigures>,
}

/// A label value with `\`, `"` and newlines escaped (text format 0.0.4).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// The Prometheus text of every upstream family; families without a sample are left out.
pub fn render(services: &[ServiceFigures]) -> String {
    let mut out = String::new();
    let labelled =
        |out: &mut String,
         name: &str,
         kind: &str,
         help: &str,
         label: &str,
         pick: &dyn Fn(&EndpointFigures) -> &BTreeMap<&'static str, u64>| {
            let mut lines = String::new();
            for s in services {
                for (endpoint, figures) in &s.endpoints {
                    for (value, count) in pick(figures) {
                        let _ = writeln!(
                            lines,
                            "{name}{{service=\"{}\",endpoint=\"{}\",{label}=\"{}\"}} {count}",
                            escape(s.service),
                            escape(endpoint),
                            escape(value)
                        );
                    }
                }
            }
            if !lines.is_empty() {
                header(out, name, kind, help);
                out.push_str(&lines);
            }
        };
    labelled(
        &mut out,
        REQUESTS,
        "counter",
        "Logical upstream calls by service, endpoint template and outcome.",
        "outcome",
        &|f| &f.requests,
    );
    labelled(
        &mut out,
        ATTEMPTS,
        "counter",
        "HTTP attempts to upstreams (retries included) by result.",
        "result",
        &|f| &f.attempts,
    );
    labelled(
        &mut out,
        FALLBACKS,
        "counter",
        "Failed collector calls whose data came from a fallback, by kind.",
        "kind",
        &|f| &f.fallbacks,
    );

    let mut lines = String::new();
    for s in services {
        for (endpoint, figures) in &s.endpoints {
            let h = &figures.duration;
            if h.count == 0 {
                continue;
            }
            let labels = format!(
                "service=\"{}\",endpoint=\"{}\"",
                escape(s.service),
                escape(endpoint)
            );
            for (le, count) in h.cumulative() {
                let _ = writeln!(lines, "{DURATION}_bucket{{{labels},le=\"{le}\"}} {count}");
            }
            let _ = writeln!(lines, "{DURATION}_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(lines, "{DURATION}_count{{{labels}}} {}", h.count);
        }
    }
    if !lines.is_empty() {
        header(
            &mut out,
            DURATION,
            "histogram",
            "Duration of logical upstream calls (retries included) in seconds.",
        );
        out.push_str(&lines);
    }

    let per_service = |out: &mut String,
                       name: &str,
                       kind: &str,
                       help: &str,
                       value: &dyn Fn(&ServiceFigures) -> Option<u64>| {
        let mut lines = String::new();
        for s in services {
            if let Some(v) = value(s) {
                let _ = writeln!(lines, "{name}{{service=\"{}\"}} {v}", escape(s.service));
            }
        }
        if !lines.is_empty() {
            header(out, name, kind, help);
            out.push_str(&lines);
        }
    };
    per_service(
        &mut out,
        CIRCUIT_STATE,
        "gauge",
        "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
        &|s| s.circuit_state.map(u64::from),
    );
    per_service(
        &mut out,
        CIRCUIT_TRIPS,
        "counter",
        "Times the circuit breaker opened.",
        &|s| s.circuit_trips,
    );
    per_service(
        &mut out,
        HEALTH,
        "gauge",
        "Upstream health: 0 healthy, 1 degraded, 2 unhealthy.",
        &|s| Some(u64::from(s.health)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = EndpointMetrics::default();
        // 0.03 s falls in le=0.05, 0.3 s in le=0.5, 40 s above every edge (only +Inf).
        for ms in [30, 300, 40_000] {
            m.request("/x", Outcome::Success, Some(Duration::from_millis(ms)));
        }
        m.request("/x", Outcome::ShortCircuited, None);
        let figures = &m.snapshot()["/x"];
        assert_eq!(figures.requests["success"], 3);
        assert_eq!(figures.requests["short_circuited"], 1);
        let cumulative = figures.duration.cumulative();
        let at = |le: &str| cumulative.iter().find(|(l, _)| l == le).map(|(_, c)| *c);
        assert_eq!(at("0.01"), Some(0));
        assert_eq!(at("0.05"), Some(1));
        assert_eq!(at("0.25"), Some(1));
        assert_eq!(at("0.5"), Some(2));
        assert_eq!(at("30"), Some(2));
        assert_eq!(at("+Inf"), Some(3));
        // 0.03 + 0.3 + 40 = 40.33
        assert!((figures.duration.sum - 40.33).abs() < 1e-9);
    }

    #[test]
    fn render_groups_each_family_and_escapes_labels() {
        let a = EndpointMetrics::default();
        a.request(
            "/users/{userId}/scores",
            Outcome::Failure,
            Some(Duration::from_millis(20)),
        );
        a.attempt("/users/{userId}/scores", "server_error");
        a.attempt("/users/{userId}/scores", "server_error");
        a.fallback("/users/{userId}/scores", FallbackKind::LastKnown);
        let services = vec![
            ServiceFigures {
                service: "assessment",
                circuit_state: Some(2),
                circuit_trips: Some(1),
                health: 2,
                endpoints: a.snapshot(),
            },
            ServiceFigures {
                service: "devlab",
                circuit_state: None,
                circuit_trips: None,
                health: 0,
                endpoints: BTreeMap::new(),
            },
        ];
        let text = render(&services);
        for line in [
            r#"upstream_requests_total{service="assessment",endpoint="/users/{userId}/scores",outcome="failure"} 1"#,
            r#"upstream_attempts_total{service="assessment",endpoint="/users/{userId}/scores",result="server_error"} 2"#,
            r#"microservice_fallback_total{service="assessment",endpoint="/users/{userId}/scores",kind="last_known"} 1"#,
            r#"upstream_request_duration_seconds_bucket{service="assessment",endpoint="/users/{userId}/scores",le="0.05"} 1"#,
            r#"upstream_request_duration_seconds_count{service="assessment",endpoint="/users/{userId}/scores"} 1"#,
            r#"upstream_circuit_state{service="assessment"} 2"#,
            r#"upstream_circuit_trips_total{service="assessment"} 1"#,
            r#"upstream_health_status{service="assessment"} 2"#,
            r#"upstream_health_status{service="devlab"} 0"#,
            "# TYPE upstream_request_duration_seconds histogram",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
        }
        // The mock upstream has no breaker series.
        assert!(!text.contains(r#"upstream_circuit_state{service="devlab"}"#));
        // Each family's TYPE line appears once.
        assert_eq!(text.matches("# TYPE upstream_health_status").count(), 1);
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
