//! The integration endpoints I1-I6 (`api.md` 2.11) over HTTP: the default all-mock upstreams,
//! and an http upstream at a `wiremock` stand-in or a dead port for the I3 test calls.

use crate::helpers::{SpawnOptions, TestApp, spawn_app_configured, spawn_app_with};
use la_upstream::{Mode, Service};
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A demo app whose `directory` upstream is http at `directory` and whose `assessment`
/// upstream is http at a dead port; the rest stay mock.
async fn app_with_http_upstreams(directory: &str) -> TestApp {
    let directory = la_upstream::config::base_url("test", directory).expect("url");
    let dead = la_upstream::config::base_url("test", &format!("http://127.0.0.1:{}", dead_port()))
        .expect("url");
    spawn_app_configured(SpawnOptions::demo(), move |settings| {
        settings.upstreams.services.insert(
            Service::Directory,
            Mode::Http {
                base_url: directory,
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
    .await
}

#[tokio::test]
async fn mock_upstreams_are_listed_healthy_with_closed_breakers() {
    let app = spawn_app_with(SpawnOptions::default()).await;

    let (status, body) = json_of(app.get("/api/v1/integration/health").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "healthy");
    let services = body["services"].as_object().expect("services");
    assert_eq!(services.len(), 9, "{body}");
    for service in Service::ALL {
        let name = service.display_name();
        assert_eq!(body["services"][name]["status"], "healthy", "{name}");
        assert_eq!(body["circuitBreakers"][name]["isOpen"], false, "{name}");
        assert_eq!(body["circuitBreakers"][name]["failureCount"], 0, "{name}");
    }
    assert!(body.get("issues").is_none(), "{body}");
    assert!(!body.to_string().contains("http://"), "no URLs: {body}");
    app.stop().await;
}

#[tokio::test]
async fn service_status_answers_a_slug_and_refuses_an_unknown_one() {
    let app = spawn_app_with(SpawnOptions::default()).await;

    let response = app
        .get("/api/v1/integration/services/course-builder/status")
        .await;
    assert_eq!(
        response.headers()["cache-control"],
        "private, max-age=30",
        "TTL of 2.1"
    );
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["service"], "Course Builder MS");
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["circuitBreaker"]["isOpen"], false);
    assert_eq!(body["mockDataAvailable"], true);
    assert!(
        body["endpoints"]
            .as_object()
            .is_some_and(|e| e.contains_key("GET /courses/{courseId}")),
        "{body}"
    );

    for slug in ["nope", "ms12-auth"] {
        let (status, body) = json_of(
            app.get(&format!("/api/v1/integration/services/{slug}/status"))
                .await,
        )
        .await;
        assert_eq!(status, 404, "{slug}: {body}");
        assert_eq!(body["error"], "SERVICE_NOT_FOUND");
        let available = body["availableServices"].as_array().expect("list");
        assert_eq!(available.len(), 8, "{body}");
        assert!(available.contains(&json!("devlab")));
        assert!(body["requestId"].is_string());
    }
    app.stop().await;
}

#[tokio::test]
async fn connectivity_tests_reach_the_stand_in_and_fail_on_a_dead_port() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
        .mount(&upstream)
        .await;
    let app = app_with_http_upstreams(&upstream.uri()).await;
    let learner = app.login("learner@demo.local").await;
    let test = |slug: &str, body: Value| {
        app.request(
            Method::POST,
            &format!("/api/v1/integration/services/{slug}/test"),
            Some(&learner.token),
            None,
        )
        .json(&body)
    };

    let (status, body) = json_of(
        test("directory", json!({"testType": "connectivity"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"], "success");
    assert_eq!(body["service"], "Directory MS");
    assert_eq!(body["details"]["statusCode"], 200);
    let paths: Vec<String> = upstream
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(paths.iter().any(|p| p == "/health"), "{paths:?}");

    // A contract endpoint of the service is called under the configured base URL.
    let (status, body) = json_of(
        test(
            "directory",
            json!({"testType": "endpoint", "endpoint": "/users/u_1/login-logs", "timeout": 2000}),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["testType"], "endpoint");

    let (status, body) = json_of(
        test(
            "assessment",
            json!({"testType": "connectivity", "timeout": 1000}),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "TEST_FAILED");
    assert_eq!(body["result"], "failure");
    assert_eq!(body["service"], "Assessment MS");
    assert_eq!(body["details"]["timeout"], 1000);
    assert_eq!(body["fallback"]["available"], true);
    assert!(!body.to_string().contains("127.0.0.1"), "no URLs: {body}");

    // A mock-mode upstream has nothing to call.
    let (status, body) = json_of(
        test("devlab", json!({"testType": "connectivity"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("TEST_FAILED")));

    // Bad input is a validation error, not a failed test.
    for bad in [
        json!({}),
        json!({"testType": "ping"}),
        json!({"testType": "endpoint"}),
        json!({"testType": "connectivity", "timeout": 10}),
        json!({"testType": "connectivity", "extra": 1}),
    ] {
        let (status, body) = json_of(test("directory", bad.clone()).send().await.unwrap()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("VALIDATION_ERROR")),
            "{bad}: {body}"
        );
    }

    // With a dead upstream I1 reports degraded, with the same body shape.
    let (status, body) = json_of(app.get("/api/v1/integration/health").await).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["services"]["Assessment MS"]["status"], "unhealthy");
    assert!(body["services"]["Assessment MS"]["responseTime"].is_null());
    assert_eq!(body["services"]["Directory MS"]["status"], "healthy");
    app.stop().await;
}

#[tokio::test]
async fn mock_data_is_labelled_synthetic() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let response = app
        .request(
            Method::GET,
            "/api/v1/integration/mock-data/assessment?endpoint=/users/u_1/scores",
            Some(&learner.token),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "private, max-age=3600");
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["service"], "Assessment MS");
    assert_eq!(body["endpoint"], "/users/u_1/scores");
    assert!(body["mockData"].is_object(), "{body}");
    assert!(
        body["metadata"]["coverage"]
            .as_str()
            .is_some_and(|c| c.starts_with("synthetic")),
        "{body}"
    );
    assert!(body["metadata"]["generatedAt"].is_string());

    let (status, body) = json_of(
        app.request(
            Method::GET,
            "/api/v1/integration/mock-data/assessment?userId=not-a-uuid",
            Some(&learner.token),
            None,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
    app.stop().await;
}

#[tokio::test]
async fn breaker_reset_is_for_platform_admins_only() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let admin = app.login("platformadmin@demo.local").await;
    let path = "/api/v1/integration/circuit-breaker/directory/reset";

    let (status, body) = json_of(
        app.request(Method::POST, path, Some(&learner.token), Some("learner"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("FORBIDDEN")));

    let (status, body) = json_of(
        app.request(
            Method::POST,
            path,
            Some(&admin.token),
            Some("platform-admin"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["service"], "Directory MS");
    assert_eq!(body["circuitBreaker"]["isOpen"], false);
    assert_eq!(body["circuitBreaker"]["failureCount"], 0);
    assert!(body["circuitBreaker"]["lastFailure"].is_null());
    assert!(body["circuitBreaker"]["resetAt"].is_string());

    let (status, body) = json_of(
        app.request(
            Method::POST,
            "/api/v1/integration/circuit-breaker/nope/reset",
            Some(&admin.token),
            Some("platform-admin"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("SERVICE_NOT_FOUND"))
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_have_the_documented_shape() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let get = |query: &str| {
        app.request(
            Method::GET,
            &format!("/api/v1/integration/metrics{query}"),
            Some(&learner.token),
            None,
        )
        .send()
    };

    let response = get("").await.unwrap();
    assert_eq!(response.headers()["cache-control"], "private, max-age=300");
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["timeframe"], "24h");
    assert!(body["generatedAt"].is_string());
    let directory = &body["services"]["Directory MS"];
    for field in [
        "totalRequests",
        "successfulRequests",
        "failedRequests",
        "successRate",
        "averageResponseTime",
        "p95ResponseTime",
        "p99ResponseTime",
        "circuitBreakerTrips",
        "mockDataFallbacks",
    ] {
        assert!(directory[field].is_number(), "{field}: {body}");
    }
    for field in [
        "totalRequests",
        "totalSuccessfulRequests",
        "totalFailedRequests",
        "overallSuccessRate",
        "averageResponseTime",
        "totalCircuitBreakerTrips",
        "totalMockDataFallbacks",
    ] {
        assert!(body["summary"][field].is_number(), "{field}: {body}");
    }

    let (status, body) = json_of(get("?timeframe=7d&service=devlab").await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["timeframe"], "7d");
    let names: Vec<&String> = body["services"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["DevLab MS"]);

    let (status, body) = json_of(get("?timeframe=2d").await.unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
    let (status, body) = json_of(get("?service=nope").await.unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("SERVICE_NOT_FOUND"))
    );
    app.stop().await;
}

/// I6 `mockDataFallbacks` counts answers that were mock data only (decision 3): the pulls of
/// an upstream in mock mode, never the calls an open breaker refused.
#[tokio::test]
async fn mock_data_fallbacks_count_mock_answers_not_short_circuits() {
    let dead = la_upstream::config::base_url("test", &format!("http://127.0.0.1:{}", dead_port()))
        .expect("url");
    let app = spawn_app_configured(SpawnOptions::demo(), move |settings| {
        settings.upstreams.services.insert(
            Service::Assessment,
            Mode::Http {
                base_url: dead,
                token: None,
            },
        );
    })
    .await;
    let learner = app.login("learner@demo.local").await;
    let metrics = || async {
        let (status, body) = json_of(
            app.request(
                Method::GET,
                "/api/v1/integration/metrics",
                Some(&learner.token),
                None,
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body
    };
    let fallbacks = |body: &Value, name: &str| body["services"][name]["mockDataFallbacks"].clone();

    let body = metrics().await;
    assert_eq!(fallbacks(&body, "DevLab MS"), 0, "{body}");
    assert_eq!(body["summary"]["totalMockDataFallbacks"], 0, "{body}");

    // Assessment is down: its collection fails until the breaker opens and refuses the rest.
    let store = app.database.store();
    let now = chrono::Utc::now();
    app.upstreams
        .collect(&*store, Some(Service::Assessment), now)
        .await
        .expect("a collection with failed calls still reports");
    let breaker = app
        .upstreams
        .status()
        .into_iter()
        .find(|s| s.service == Service::Assessment)
        .and_then(|s| s.breaker)
        .expect("an http upstream has a breaker");
    assert!(breaker.transitions.trips >= 1, "{breaker:?}");
    assert!(breaker.transitions.short_circuited > 0, "{breaker:?}");
    // DevLab is in mock mode: its pull is answered by the generator.
    app.upstreams
        .collect(&*store, Some(Service::Devlab), now)
        .await
        .expect("a mock collection");

    let body = metrics().await;
    let assessment = &body["services"]["Assessment MS"];
    assert!(
        assessment["circuitBreakerTrips"].as_u64() >= Some(1),
        "{body}"
    );
    assert_eq!(
        assessment["mockDataFallbacks"], 0,
        "short-circuits are not mock: {body}"
    );
    assert_eq!(fallbacks(&body, "DevLab MS"), 1, "{body}");
    assert_eq!(fallbacks(&body, "Directory MS"), 0, "not pulled: {body}");
    assert_eq!(body["summary"]["totalMockDataFallbacks"], 1, "{body}");
    app.stop().await;
}
