//! `GET /metrics`: request counters per route template, cache hits and misses, and the
//! upstream families fed by calls and by the background health probe.

use crate::helpers::{SpawnOptions, TestApp, spawn_app, spawn_app_configured, spawn_app_with};
use la_upstream::transport::Get;
use la_upstream::{Mode, Service};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    response.text().await.unwrap()
}

/// The value of the sample `name{labels}` (labels in the exporter's order), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.trim().parse().expect("a number"))
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_status() {
    let app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/health").await.status(), 200);
    }
    let nil = uuid::Uuid::nil();
    assert_eq!(
        app.get(&format!("/api/v1/learner/analytics/velocity/{nil}"))
            .await
            .status(),
        401
    );
    assert_eq!(app.get("/no/such/route").await.status(), 404);
    let text = scrape(&app).await;
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="GET",route="/api/health",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    // The template, never the id.
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="GET",route="/api/v1/learner/analytics/velocity/{userId}",status="401"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains(&nil.to_string()));
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"http_request_duration_seconds_count{method="GET",route="/api/health",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        text.contains("# TYPE http_request_duration_seconds histogram"),
        "{text}"
    );
    // The scrape itself shows up in the next one.
    let again = scrape(&app).await;
    assert_eq!(
        sample(
            &again,
            r#"http_requests_total{method="GET",route="/metrics",status="200"}"#
        ),
        Some(1.0),
        "{again}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_cache_miss_then_hits_are_counted() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let login: serde_json::Value = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "learner@demo.local", "password": "demo-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().expect("logged in").to_owned();
    let user = login["user"]["id"].as_str().unwrap().to_owned();
    let read = |analytic: &str| {
        app.client
            // 7d: the demo seeding precomputes only the 30-day window.
            .get(app.url(&format!(
                "/api/v1/learner/analytics/{analytic}/{user}?window=7d"
            )))
            .bearer_auth(&token)
            .header("x-active-role", "learner")
            .send()
    };
    let before = scrape(&app).await;
    assert_eq!(sample(&before, "analytics_cache_misses_total"), None);

    // Nothing stored yet: computed now (the whole organisation's batch).
    let first: serde_json::Value = read("velocity").await.unwrap().json().await.unwrap();
    assert_eq!(first["cached"], false);
    // The same key again: from memory.
    let second: serde_json::Value = read("velocity").await.unwrap().json().await.unwrap();
    assert_eq!(second["cached"], true);
    // Another analytic of the same organisation: stored by that batch, not yet in memory.
    let third: serde_json::Value = read("engagement").await.unwrap().json().await.unwrap();
    assert_eq!(third["cached"], true);

    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, "analytics_cache_misses_total"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"analytics_cache_hits_total{layer="memory"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"analytics_cache_hits_total{layer="store"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "analytics_computation_seconds_count"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="GET",route="/api/v1/learner/analytics/velocity/{userId}",status="200"}"#
        ),
        Some(2.0),
        "{text}"
    );
    app.stop().await;
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn upstream_calls_and_probes_show_up_as_upstream_series() {
    // DevLab at a stand-in (its /health is unrouted: 404, which still proves it is up);
    // Assessment at a dead port; the rest mock. The probe runs every second.
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/u_1/practice-sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(&upstream)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/u_3/practice-sessions"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&upstream)
        .await;
    let devlab = la_upstream::config::base_url("test", &upstream.uri()).expect("url");
    let dead = la_upstream::config::base_url("test", &format!("http://127.0.0.1:{}", dead_port()))
        .expect("url");
    let app = spawn_app_configured(SpawnOptions::default(), move |settings| {
        settings.upstream_probe_seconds = 1;
        settings.upstreams.services.insert(
            Service::Devlab,
            Mode::Http {
                base_url: devlab,
                token: None,
            },
        );
        settings.upstreams.services.insert(
            Service::Assessment,
            Mode::Http {
                base_url: dead,
                token: None,
            },
        );
    })
    .await;

    // Three logical calls through the server's own registry: 200 (success), an unrouted
    // 404 (an empty answer: success) and a 400 (a failure, not retried).
    let transport = app.upstreams.transport(Service::Devlab).expect("http");
    let template = "/users/{userId}/practice-sessions";
    for user in ["u_1", "u_2", "u_3"] {
        let get = Get::new(template, format!("/users/{user}/practice-sessions"));
        let _ = transport.get_json::<serde_json::Value>(&get, "req").await;
    }

    // The probe ran at start: wait until the dead upstream shows as unhealthy (2).
    let assessment_health = r#"upstream_health_status{service="assessment"}"#;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let text = loop {
        let text = scrape(&app).await;
        if sample(&text, assessment_health) == Some(2.0) {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed probe:\n{text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let labels = r#"service="devlab",endpoint="/users/{userId}/practice-sessions""#;
    let series = |family: &str, extra: &str| format!("{family}{{{labels},{extra}}}");
    assert_eq!(
        sample(
            &text,
            &series("upstream_requests_total", r#"outcome="success""#)
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &series("upstream_requests_total", r#"outcome="failure""#)
        ),
        Some(1.0),
        "{text}"
    );
    for (result, count) in [("success", 1.0), ("not_found", 1.0), ("client_error", 1.0)] {
        assert_eq!(
            sample(
                &text,
                &series("upstream_attempts_total", &format!("result=\"{result}\""))
            ),
            Some(count),
            "{result}: {text}"
        );
    }
    assert_eq!(
        sample(
            &text,
            &format!("upstream_request_duration_seconds_count{{{labels}}}")
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        text.contains("# TYPE upstream_request_duration_seconds histogram"),
        "{text}"
    );
    // Breakers: closed (the 400 was the request's fault), never tripped; the failed
    // probes of Assessment did not count against its breaker.
    for service in ["devlab", "assessment"] {
        assert_eq!(
            sample(
                &text,
                &format!(r#"upstream_circuit_state{{service="{service}"}}"#)
            ),
            Some(0.0),
            "{service}: {text}"
        );
        assert_eq!(
            sample(
                &text,
                &format!(r#"upstream_circuit_trips_total{{service="{service}"}}"#)
            ),
            Some(0.0),
            "{service}: {text}"
        );
    }
    // Reachable DevLab and the mock Directory are healthy (0).
    assert_eq!(
        sample(&text, r#"upstream_health_status{service="devlab"}"#),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"upstream_health_status{service="directory"}"#),
        Some(0.0),
        "{text}"
    );
    // Calls made outside a collection fall back to nothing.
    assert!(!text.contains("microservice_fallback_total{"), "{text}");
    assert!(!text.contains("127.0.0.1"), "no URLs: {text}");
    assert!(
        upstream
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .any(|r| r.url.path() == "/health"),
        "the probe called GET /health"
    );

    // /api/health reports the worst upstream under external_apis and stays 200.
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["services"]["external_apis"], "unhealthy", "{body}");
    assert_eq!(body["services"]["database"], "healthy", "{body}");
    assert!(
        body["issues"]
            .as_array()
            .is_some_and(|i| i.iter().any(|x| x["service"] == "external_apis")),
        "{body}"
    );
    // I1 shows the probe's results: DevLab reachable with a latency, Assessment not.
    let body: serde_json::Value = app
        .get("/api/v1/integration/health")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["services"]["DevLab MS"]["status"], "healthy", "{body}");
    assert!(
        body["services"]["DevLab MS"]["responseTime"].is_u64(),
        "{body}"
    );
    assert_eq!(
        body["services"]["Assessment MS"]["status"], "unhealthy",
        "{body}"
    );
    assert!(body["services"]["Assessment MS"]["responseTime"].is_null());
    app.stop().await;
}
