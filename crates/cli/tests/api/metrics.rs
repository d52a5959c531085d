//! `GET /metrics`: request counters per route template, cache hits and misses.

use crate::helpers::{SpawnOptions, TestApp, spawn_app, spawn_app_with};

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
