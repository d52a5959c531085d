//! Retries, failure counting and the breaker against a real HTTP stand-in: timeouts and 5xx
//! are retried, then count as one failure; malformed 2xx bodies are not retried
//! (`integration.md` 2.2) but count; five failed calls open the breaker, after which calls
//! fail fast without a request; after the open period one probe closes it again.

mod support;

use la_upstream::breaker::BreakerState;
use la_upstream::clock::ManualClock;
use la_upstream::transport::{CallError, Get, Transport};
use la_upstream::{Service, Upstreams};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::*;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROUTE: &str = "/api/v1/users/u_1/practice-sessions";

fn get() -> Get {
    Get::new(
        "/users/{userId}/practice-sessions",
        "/users/u_1/practice-sessions".to_owned(),
    )
}

async fn transport(server: &MockServer) -> (Upstreams, Arc<Transport>, ManualClock) {
    let clock = ManualClock::default();
    let upstreams = Upstreams::with_clock(
        &http(&[(Service::Devlab, &server.uri())]),
        fast_options(),
        Arc::new(clock.clone()),
    )
    .expect("upstreams");
    let t = upstreams.transport(Service::Devlab).expect("http");
    (upstreams, t, clock)
}

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

#[tokio::test]
async fn http_500_is_retried_three_times_then_counted_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let (_u, t, _) = transport(&server).await;
    let result = t.get_json::<serde_json::Value>(&get(), "req").await;
    assert_eq!(result, Err(CallError::Status(500)));
    assert_eq!(received(&server).await, 3);
    let stats = t.stats().snapshot();
    assert_eq!(
        (stats.total_requests, stats.failed_requests, stats.attempts),
        (1, 1, 3)
    );
    assert_eq!(t.breaker().snapshot().failure_count, 1);
}

#[tokio::test]
async fn a_timeout_is_retried_then_counted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let (_u, t, _) = transport(&server).await;
    let started = std::time::Instant::now();
    let result = t.get_json::<serde_json::Value>(&get(), "req").await;
    assert!(matches!(result, Err(CallError::Timeout(_))), "{result:?}");
    assert_eq!(received(&server).await, 3);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "attempts are cut at 300 ms"
    );
    assert_eq!(t.breaker().snapshot().failure_count, 1);
}

#[tokio::test]
async fn malformed_json_counts_as_a_failure_without_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&server)
        .await;
    let (_u, t, _) = transport(&server).await;
    let result = t.get_json::<serde_json::Value>(&get(), "req").await;
    assert!(matches!(result, Err(CallError::Malformed(_))), "{result:?}");
    assert_eq!(
        received(&server).await,
        1,
        "2.2: a malformed 2xx is not retried"
    );
    assert_eq!(t.stats().snapshot().failed_requests, 1);
    assert_eq!(t.breaker().snapshot().failure_count, 1);
}

#[tokio::test]
async fn a_503_then_success_is_one_successful_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .and(header_exists("x-request-id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([1])))
        .mount(&server)
        .await;
    let (_u, t, _) = transport(&server).await;
    let result = t.get_json::<Vec<u8>>(&get(), "req").await;
    assert_eq!(result, Ok(Some(vec![1])));
    let stats = t.stats().snapshot();
    assert_eq!((stats.successful_requests, stats.attempts), (1, 2));
    assert!(stats.p95_response_time_ms.is_some());
}

#[tokio::test]
async fn five_failures_open_the_breaker_then_calls_fail_fast_until_a_probe_closes_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(15)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let (upstreams, t, clock) = transport(&server).await;
    for n in 1..=5 {
        assert_eq!(
            t.get_json::<serde_json::Value>(&get(), "req").await,
            Err(CallError::Status(500)),
            "call {n}"
        );
    }
    let snap = t.breaker().snapshot();
    assert_eq!(snap.state, BreakerState::Open);
    assert_eq!(snap.transitions.trips, 1);
    assert_eq!(received(&server).await, 15);

    // Open: no request reaches the upstream.
    for _ in 0..3 {
        assert_eq!(
            t.get_json::<serde_json::Value>(&get(), "req").await,
            Err(CallError::ShortCircuited)
        );
    }
    assert_eq!(received(&server).await, 15);
    let status = upstreams.status();
    let devlab = status
        .iter()
        .find(|s| s.service == Service::Devlab)
        .expect("devlab");
    assert_eq!(
        devlab.health,
        Some(la_upstream::collector::Health::Unhealthy)
    );

    // After the open period the next call is the probe; it succeeds and closes the breaker.
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        t.get_json::<serde_json::Value>(&get(), "req").await,
        Ok(Some(json!([])))
    );
    assert_eq!(received(&server).await, 16);
    let snap = t.breaker().snapshot();
    assert_eq!(snap.state, BreakerState::Closed);
    assert_eq!(snap.transitions.to_half_open, 1);
    assert_eq!(snap.transitions.to_closed, 1);
    assert_eq!(snap.transitions.short_circuited, 3);
}

#[tokio::test]
async fn an_open_breaker_stops_a_collection_without_requests_and_reset_closes_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let (upstreams, t, _) = transport(&server).await;
    let users: Vec<String> = (0..20).map(|i| format!("u_{i}")).collect();
    let names: Vec<&str> = users.iter().map(String::as_str).collect();
    let store = RecordingStore::with_users(&names);
    let report = upstreams
        .collect(&store, Some(Service::Devlab), now())
        .await
        .expect("collect");
    let devlab = &report.services[0];
    assert_eq!(devlab.status, la_upstream::RunStatus::Failed);
    // 5 failed calls (3 attempts each) opened the breaker; in-flight calls may add a few.
    let requests = received(&server).await;
    assert!(requests < 20 * 3, "stopped early: {requests} requests");
    assert_eq!(t.breaker().snapshot().state, BreakerState::Open);
    upstreams.reset_breaker(Service::Devlab).expect("reset");
    assert_eq!(t.breaker().snapshot().state, BreakerState::Closed);
    assert!(
        upstreams.reset_breaker(Service::Directory).is_err(),
        "not configured"
    );
}

#[tokio::test]
async fn auth_rejections_count_and_other_4xx_do_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(422))
        .mount(&server)
        .await;
    let (_u, t, _) = transport(&server).await;
    assert_eq!(
        t.get_json::<serde_json::Value>(&get(), "req").await,
        Err(CallError::AuthRejected(401))
    );
    assert_eq!(t.breaker().snapshot().failure_count, 1);
    assert!(matches!(
        t.get_json::<serde_json::Value>(&get(), "req").await,
        Err(CallError::Contract(_))
    ));
    assert_eq!(
        t.breaker().snapshot().failure_count,
        0,
        "the upstream answered"
    );
    assert_eq!(received(&server).await, 2, "neither is retried");
}

#[tokio::test]
async fn the_test_call_bypasses_the_breaker_and_checks_the_template() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let (upstreams, t, _) = transport(&server).await;
    let result = upstreams
        .test_call(
            Service::Devlab,
            "/users/u_1/practice-sessions",
            Duration::from_secs(1),
        )
        .await
        .expect("test call");
    assert_eq!(result.status, 500);
    assert_eq!(t.breaker().snapshot().failure_count, 0);
    assert!(
        upstreams
            .test_call(Service::Devlab, "/admin/secrets", Duration::from_secs(1))
            .await
            .is_err()
    );
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn the_token_never_appears_in_status_or_errors() {
    let server = MockServer::start().await;
    let (upstreams, _t, _) = transport(&server).await;
    let status = serde_json::to_string(&upstreams.status()).expect("json");
    assert!(!status.contains("test-token"));
    assert!(!format!("{upstreams:?}").contains("test-token"));
}

#[tokio::test]
async fn a_dropped_probe_frees_the_probe_slot() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(15)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ROUTE))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    let (_u, t, clock) = transport(&server).await;
    for _ in 0..5 {
        let _ = t.get_json::<serde_json::Value>(&get(), "req").await;
    }
    clock.advance(Duration::from_secs(30));
    // The probe is cancelled before its answer arrives.
    let cancelled = tokio::time::timeout(
        Duration::from_millis(50),
        t.get_json::<serde_json::Value>(&get(), "req"),
    )
    .await;
    assert!(cancelled.is_err());
    assert_eq!(t.breaker().snapshot().state, BreakerState::HalfOpen);
    // The next call may probe again (instead of being short-circuited forever).
    assert_eq!(
        t.get_json::<serde_json::Value>(&get(), "req").await,
        Ok(Some(json!([])))
    );
    assert_eq!(t.breaker().snapshot().state, BreakerState::Closed);
}

#[tokio::test]
async fn health_probes_count_any_answer_as_reachable_and_leave_the_breaker_alone() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let settings = http(&[
        (Service::Devlab, &server.uri()),
        // Nothing listens on port 9.
        (Service::RagAssistant, "http://127.0.0.1:9"),
    ]);
    let upstreams = Upstreams::new(&settings, fast_options()).expect("upstreams");
    let probes = upstreams.probe_all(Duration::from_secs(1)).await;
    assert_eq!(probes.len(), 2);
    let status = upstreams.status();
    let of = |service| {
        status
            .iter()
            .find(|s| s.service == service)
            .expect("listed")
    };
    use la_upstream::collector::Health;
    assert_eq!(of(Service::Devlab).health, Some(Health::Healthy));
    assert!(
        of(Service::Devlab)
            .last_probe
            .as_ref()
            .is_some_and(|p| p.reachable)
    );
    assert_eq!(of(Service::RagAssistant).health, Some(Health::Unhealthy));
    assert_eq!(
        of(Service::RagAssistant).breaker.map(|b| b.failure_count),
        Some(0)
    );
    assert_eq!(of(Service::Directory).mode, "none");
}
