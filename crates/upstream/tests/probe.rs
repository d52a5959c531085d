//! The background health probe (`integration.md` 10.1) and the per-endpoint figures of
//! `/metrics` (10.2), against real HTTP stand-ins on 127.0.0.1.

mod support;

use la_upstream::breaker::BreakerState;
use la_upstream::clock::ManualClock;
use la_upstream::collector::Health;
use la_upstream::probe::Prober;
use la_upstream::transport::{CallError, Get};
use la_upstream::{Service, UpstreamSettings, Upstreams};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TEMPLATE: &str = "/users/{userId}/practice-sessions";
const ROUTE: &str = "/api/v1/users/u_1/practice-sessions";
const INTERVAL: Duration = Duration::from_millis(100);

fn get() -> Get {
    Get::new(TEMPLATE, "/users/u_1/practice-sessions".to_owned())
}

fn health_of(upstreams: &Upstreams, service: Service) -> Option<Health> {
    upstreams
        .status()
        .into_iter()
        .find(|s| s.service == service)
        .and_then(|s| s.health)
}

/// Polls until `service` has a probe result with `reachable`, or fails after 5 s.
async fn wait_for_probe(upstreams: &Upstreams, service: Service, reachable: bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let probe = upstreams
            .transport(service)
            .and_then(|t| t.last_probe())
            .map(|p| p.reachable);
        if probe == Some(reachable) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{service}: no probe with reachable={reachable} (last: {probe:?})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A bare HTTP stand-in answering every request `404` (`Connection: close`) and counting
/// them. Unlike wiremock's pooled servers (a dropped one goes back to a pool and keeps
/// listening), stopping it really closes its port, and no other test can receive this
/// test's probes.
struct StandIn {
    uri: String,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl StandIn {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let uri = format!("http://{}", listener.local_addr().expect("address"));
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    // Read the request head (small enough for one read), then answer.
                    loop {
                        if socket.readable().await.is_err() {
                            return;
                        }
                        match socket.try_read(&mut buf) {
                            Ok(0) => return,
                            Ok(_) => break,
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                            Err(_) => return,
                        }
                    }
                    if socket.writable().await.is_ok() {
                        let _ = socket.try_write(
                            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        );
                    }
                });
            }
        });
        StandIn { uri, hits, task }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Closes the port (the accept loop owns the listener).
    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

#[tokio::test]
async fn the_probe_marks_a_down_upstream_unhealthy_and_an_answering_one_healthy() {
    // No health endpoint: the stand-in answers 404, which still proves reachability.
    let server = StandIn::start().await;
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let settings = http(&[
        (Service::Devlab, &server.uri),
        (Service::RagAssistant, &dead),
    ]);
    let upstreams = Arc::new(Upstreams::new(&settings, fast_options()).expect("upstreams"));
    let prober = Prober::start(upstreams.clone(), INTERVAL, Duration::from_millis(500))
        .expect("http upstreams are probed");

    wait_for_probe(&upstreams, Service::Devlab, true).await;
    wait_for_probe(&upstreams, Service::RagAssistant, false).await;
    assert_eq!(
        health_of(&upstreams, Service::Devlab),
        Some(Health::Healthy)
    );
    assert_eq!(
        health_of(&upstreams, Service::RagAssistant),
        Some(Health::Unhealthy)
    );
    let devlab = upstreams.transport(Service::Devlab).expect("http");
    assert!(
        devlab
            .last_probe()
            .is_some_and(|p| p.response_time_ms.is_some())
    );
    let rag = upstreams.transport(Service::RagAssistant).expect("http");
    assert!(
        rag.last_probe()
            .is_some_and(|p| p.response_time_ms.is_none())
    );

    // Failed probes never feed the breaker: still closed, no failure, no transition.
    let breaker = rag.breaker().snapshot();
    assert_eq!(breaker.state, BreakerState::Closed);
    assert_eq!(breaker.failure_count, 0);
    assert_eq!(breaker.transitions, Default::default());
    // Nor do probes count as calls.
    assert_eq!(rag.stats().snapshot().total_requests, 0);
    assert_eq!(rag.stats().snapshot().attempts, 0);

    // It keeps probing: the stand-in goes away, the next round sees it down.
    assert!(server.hits() >= 1);
    server.stop().await;
    wait_for_probe(&upstreams, Service::Devlab, false).await;
    assert_eq!(
        health_of(&upstreams, Service::Devlab),
        Some(Health::Unhealthy)
    );
    assert_eq!(devlab.breaker().snapshot().state, BreakerState::Closed);
    assert_eq!(devlab.breaker().snapshot().failure_count, 0);
    prober.shutdown().await;
}

#[tokio::test]
async fn the_probe_stops_on_shutdown_and_skips_mock_upstreams() {
    let server = StandIn::start().await;
    let upstreams = Arc::new(
        Upstreams::new(&http(&[(Service::Devlab, &server.uri)]), fast_options())
            .expect("upstreams"),
    );
    let prober =
        Prober::start(upstreams.clone(), INTERVAL, Duration::from_millis(500)).expect("started");
    wait_for_probe(&upstreams, Service::Devlab, true).await;
    prober.shutdown().await;
    let after_stop = server.hits();
    // Three intervals later no further probe has arrived.
    tokio::time::sleep(INTERVAL * 3).await;
    assert_eq!(server.hits(), after_stop);
    server.stop().await;

    // Nothing to probe in mock mode (and an interval of zero turns the probe off).
    let mocked =
        Arc::new(Upstreams::new(&UpstreamSettings::all_mock(), fast_options()).expect("upstreams"));
    assert!(Prober::start(mocked, INTERVAL, Duration::from_secs(1)).is_none());
    assert!(Prober::start(upstreams, Duration::ZERO, Duration::from_secs(1)).is_none());
}

#[tokio::test]
async fn a_reachable_probe_neither_closes_an_open_breaker_nor_hides_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let upstreams = Arc::new(
        Upstreams::with_clock(
            &http(&[(Service::Devlab, &server.uri())]),
            fast_options(),
            Arc::new(clock.clone()),
        )
        .expect("upstreams"),
    );
    let t = upstreams.transport(Service::Devlab).expect("http");
    // Five failed calls open the breaker (threshold 5).
    for _ in 0..5 {
        let _ = t.get_json::<serde_json::Value>(&get(), "req").await;
    }
    assert_eq!(t.breaker().snapshot().state, BreakerState::Open);
    let prober =
        Prober::start(upstreams.clone(), INTERVAL, Duration::from_millis(500)).expect("started");
    wait_for_probe(&upstreams, Service::Devlab, true).await;
    let breaker = t.breaker().snapshot();
    assert_eq!(breaker.state, BreakerState::Open, "probes do not close it");
    assert_eq!(breaker.transitions.trips, 1);
    // OPEN is unhealthy whatever the probe says.
    assert_eq!(
        health_of(&upstreams, Service::Devlab),
        Some(Health::Unhealthy)
    );
    prober.shutdown().await;
}

/// The value of the sample `series` in a text exposition.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse().expect("a number"))
}

#[tokio::test]
async fn calls_attempts_trips_and_short_circuits_are_counted_per_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let upstreams = Upstreams::with_clock(
        &http(&[(Service::Devlab, &server.uri())]),
        fast_options(),
        Arc::new(clock.clone()),
    )
    .expect("upstreams");
    let t = upstreams.transport(Service::Devlab).expect("http");
    // 5 calls x 3 attempts (500 is retried) = 15 attempts; the 5th failure opens the
    // breaker; the 6th and 7th calls are short-circuited without a request.
    for _ in 0..7 {
        let _ = t.get_json::<serde_json::Value>(&get(), "req").await;
    }
    assert_eq!(
        t.get_json::<serde_json::Value>(&get(), "req").await,
        Err(CallError::ShortCircuited)
    );
    let text = upstreams.render_prometheus();
    let labels = r#"service="devlab",endpoint="/users/{userId}/practice-sessions""#;
    let at = |family: &str, extra: &str| {
        let series = if extra.is_empty() {
            format!("{family}{{{labels}}}")
        } else {
            format!("{family}{{{labels},{extra}}}")
        };
        sample(&text, &series)
    };
    assert_eq!(
        at("upstream_requests_total", r#"outcome="failure""#),
        Some(5.0),
        "{text}"
    );
    // Calls 6, 7 and 8 never reached the stand-in.
    assert_eq!(
        at("upstream_requests_total", r#"outcome="short_circuited""#),
        Some(3.0),
        "{text}"
    );
    assert_eq!(at("upstream_requests_total", r#"outcome="success""#), None);
    assert_eq!(
        at("upstream_attempts_total", r#"result="server_error""#),
        Some(15.0),
        "{text}"
    );
    assert_eq!(server.received_requests().await.map_or(0, |r| r.len()), 15);
    // Only the 5 calls that reached the upstream are timed.
    assert_eq!(at("upstream_request_duration_seconds_count", ""), Some(5.0));
    assert_eq!(
        at("upstream_request_duration_seconds_bucket", r#"le="+Inf""#),
        Some(5.0)
    );
    assert_eq!(
        sample(&text, r#"upstream_circuit_state{service="devlab"}"#),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, r#"upstream_circuit_trips_total{service="devlab"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, r#"upstream_health_status{service="devlab"}"#),
        Some(2.0),
        "OPEN is unhealthy"
    );
    // Direct transport calls are not collector pulls: no fallback is counted.
    assert!(!text.contains("microservice_fallback_total"), "{text}");

    // After the open period one probe call succeeds and closes the breaker: half-open is
    // passed through, the state gauge is back to 0 and the success is counted.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        t.get_json::<serde_json::Value>(&get(), "req").await,
        Ok(Some(json!([])))
    );
    let text = upstreams.render_prometheus();
    assert_eq!(
        sample(&text, r#"upstream_circuit_state{service="devlab"}"#),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!(r#"upstream_requests_total{{{labels},outcome="success"}}"#)
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!(r#"upstream_attempts_total{{{labels},result="success"}}"#)
        ),
        Some(1.0)
    );
}

/// One DevLab collection against a stand-in answering 500, into `store`.
async fn failing_devlab_run(store: &RecordingStore) -> String {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let upstreams = Upstreams::new(&http(&[(Service::Devlab, &server.uri())]), fast_options())
        .expect("upstreams");
    upstreams
        .collect(store, Some(Service::Devlab), now())
        .await
        .expect("collect");
    upstreams.render_prometheus()
}

#[tokio::test]
async fn failed_collector_calls_count_a_fallback_by_what_is_stored() {
    let series = |kind: &str| {
        format!(
            r#"microservice_fallback_total{{service="devlab",endpoint="{TEMPLATE}",kind="{kind}"}}"#
        )
    };
    // Never collected before: the failed call leaves nothing to fall back to.
    let first = RecordingStore::with_users(&["u_1"]);
    let text = failing_devlab_run(&first).await;
    assert_eq!(sample(&text, &series("missing")), Some(1.0), "{text}");
    assert_eq!(sample(&text, &series("last_known")), None, "{text}");

    // A source with an earlier success keeps its stored rows as last known data.
    let mut again = RecordingStore::with_users(&["u_1"]);
    again.statuses = Service::Devlab
        .entities()
        .iter()
        .map(|entity| la_app::ports::SourceStatus {
            source: la_domain::model::DataSource::Devlab,
            entity: *entity,
            last_success_at: Some(now() - chrono::Duration::days(1)),
            last_failure_at: None,
            last_error: None,
            rows_written: 3,
        })
        .collect();
    let text = failing_devlab_run(&again).await;
    assert_eq!(sample(&text, &series("last_known")), Some(1.0), "{text}");
    assert_eq!(sample(&text, &series("missing")), None, "{text}");
}
