//! CORS (`api.md` 3.5) over HTTP: listed origins get the specified headers, unlisted ones none.

use crate::helpers::{SpawnOptions, TestApp, spawn_app, spawn_app_configured};
use reqwest::{Method, Response};
use serde_json::Value;

const ALLOWED: &str = "https://app.example.com";

async fn spawn_with_allowlist() -> TestApp {
    spawn_app_configured(SpawnOptions::default(), |settings| {
        settings.cors_origins = vec![ALLOWED.to_owned(), "http://localhost:5173".to_owned()];
    })
    .await
}

async fn preflight(app: &TestApp, origin: &str, path: &str) -> Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "authorization,x-active-role",
        )
        .send()
        .await
        .expect("request")
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

fn cors_header_names(response: &Response) -> Vec<String> {
    response
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

fn list(value: Option<&str>) -> Vec<String> {
    let mut items: Vec<String> = value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    items.sort();
    items
}

#[tokio::test]
async fn a_preflight_from_a_listed_origin_gets_exactly_the_specified_headers() {
    let app = spawn_with_allowlist().await;
    let response = preflight(&app, ALLOWED, "/api/v1/learner/analytics/velocity/x").await;
    assert!(
        [200, 204].contains(&response.status().as_u16()),
        "{}",
        response.status()
    );
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        header(&response, "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(header(&response, "access-control-max-age"), Some("600"));
    assert_eq!(
        list(header(&response, "access-control-allow-methods")),
        ["delete", "get", "options", "post"]
    );
    assert_eq!(
        list(header(&response, "access-control-allow-headers")),
        [
            "authorization",
            "content-type",
            "x-active-role",
            "x-request-id"
        ]
    );
    // The preflight is answered before routing and rate limiting.
    assert!(header(&response, "ratelimit-limit").is_none());
    // The second listed origin is echoed as itself, never as the first.
    let other = preflight(&app, "http://localhost:5173", "/api/health").await;
    assert_eq!(
        header(&other, "access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_preflight_from_an_unlisted_origin_is_403_without_cors_headers() {
    let app = spawn_with_allowlist().await;
    // Unlisted, a near miss (trailing slash, other scheme, other port), and the case where no
    // origin is configured at all.
    let default_app = spawn_app().await;
    for (app, origin) in [
        (&app, "https://evil.example.com"),
        (&app, "https://app.example.com/"),
        (&app, "http://app.example.com"),
        (&app, "http://localhost:5174"),
        (&default_app, ALLOWED),
    ] {
        let response = preflight(app, origin, "/api/health").await;
        assert_eq!(response.status(), 403, "{origin}");
        assert_eq!(
            cors_header_names(&response),
            Vec::<String>::new(),
            "{origin}"
        );
        let request_id = header(&response, "x-request-id").unwrap().to_owned();
        assert_eq!(header(&response, "x-content-type-options"), Some("nosniff"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "FORBIDDEN", "{origin}");
        assert!(body["message"].is_string());
        assert_eq!(body["requestId"], request_id.as_str());
    }
    app.stop().await;
    default_app.stop().await;
}

#[tokio::test]
async fn simple_requests_get_cors_headers_only_for_listed_origins() {
    let app = spawn_with_allowlist().await;
    let allowed = app
        .client
        .get(app.url("/api/health"))
        .header("origin", ALLOWED)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        header(&allowed, "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        list(header(&allowed, "access-control-expose-headers")),
        [
            "content-disposition",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "retry-after",
            "x-request-id"
        ]
    );
    assert!(
        list(header(&allowed, "vary")).contains(&"origin".to_owned()),
        "{:?}",
        header(&allowed, "vary")
    );

    let unlisted = app
        .client
        .get(app.url("/api/health"))
        .header("origin", "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(unlisted.status(), 200);
    assert_eq!(cors_header_names(&unlisted), Vec::<String>::new());
    assert_eq!(header(&unlisted, "vary"), Some("origin"));
    let body: Value = unlisted.json().await.unwrap();
    assert_eq!(body["status"], "healthy");
    app.stop().await;
}

#[tokio::test]
async fn errors_read_by_a_listed_origin_carry_cors_headers() {
    let app = spawn_with_allowlist().await;
    // No token: the 401 body must be readable by the browser app.
    let response = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("origin", ALLOWED)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        header(&response, "access-control-allow-credentials"),
        Some("true")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "UNAUTHORIZED");
    app.stop().await;
}
