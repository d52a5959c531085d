use crate::helpers::{SpawnOptions, spawn_app, spawn_app_with};
use serde_json::Value;

#[tokio::test]
async fn health_is_200_with_a_healthy_database() {
    let app = spawn_app().await;
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["services"]["database"], "healthy");
    assert_eq!(body["services"]["queue"], "healthy");
    assert_eq!(body["environment"], "development");
    assert!(body["uptime"].is_u64());
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(body.get("issues").is_none());
    app.stop().await;
}

#[tokio::test]
async fn health_is_503_naming_the_database_when_it_is_gone() {
    let app = spawn_app().await;
    app.database.close().await;
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unhealthy");
    assert_eq!(body["services"]["database"], "unhealthy");
    assert_eq!(body["issues"][0]["service"], "database");
}

#[tokio::test]
async fn status_reports_services_and_recent_traffic() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.get("/api/health").await;
    }
    let response = app.get("/api/status").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "operational");
    assert_eq!(body["service"], "Learning Analytics");
    assert_eq!(body["services"]["auth"], "operational");
    assert_eq!(body["services"]["reports"], "down");
    assert!(body["metrics"]["requestsPerMinute"].as_u64().unwrap() >= 3);
    assert_eq!(body["metrics"]["errorRate"], 0.0);
    assert!(body["version"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn every_response_has_a_request_id_and_security_headers() {
    let app = spawn_app().await;
    let adopted = app
        .client
        .get(app.url("/api/health"))
        .header("x-request-id", "client-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(adopted.headers()["x-request-id"], "client-abc.123");
    let replaced = app
        .client
        .get(app.url("/api/health"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let generated = replaced.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-resource-policy", "cross-origin"),
    ] {
        assert_eq!(replaced.headers()[name], value, "{name}");
    }
    assert!(replaced.headers().get("server").is_none());
    app.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_get_json_errors_with_the_request_id() {
    let app = spawn_app().await;
    let missing = app.get("/api/v1/nothing-here").await;
    assert_eq!(missing.status(), 404);
    let id = missing.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "NOT_FOUND");
    assert_eq!(body["requestId"], id);
    assert!(body["message"].is_string());

    let wrong = app
        .client
        .delete(app.url("/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 405);
    assert!(wrong.headers()["allow"].to_str().unwrap().contains("GET"));
    let id = wrong.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "METHOD_NOT_ALLOWED");
    assert_eq!(body["requestId"], id);
    app.stop().await;
}

#[tokio::test]
async fn oversize_bodies_are_refused_with_413_json() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/health"))
        .header("content-type", "application/json")
        .body(vec![b' '; 70 * 1024])
        .send()
        .await
        .unwrap();
    // The size check comes before routing, so even a GET-only path answers 413.
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "PAYLOAD_TOO_LARGE");
    app.stop().await;
}

#[tokio::test]
async fn serve_seeds_the_demo_organisation_into_an_empty_database() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let store = app.database.store();
    assert!(!store.is_empty().await.unwrap());
    let account = store
        .find_account_by_email("learner@demo.local")
        .await
        .unwrap()
        .expect("demo learner account");
    assert!(la_app::passwords::verify_password(
        app.settings.demo_password.expose(),
        &account.password_hash
    ));
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 200);
    app.stop().await;
}
