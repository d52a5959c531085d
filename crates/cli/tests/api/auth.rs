//! Authentication over HTTP (`api.md` 2.2, 3.1–3.4): login, `me`, refresh rotation and reuse
//! detection, logout, and the login and refresh rate limits.

use crate::helpers::{SpawnOptions, spawn_app_with, status_and_code};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn login_returns_tokens_and_the_profile_and_me_echoes_it() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "  Multirole@Demo.Local ", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expiresIn"], 3600);
    assert_eq!(body["user"]["email"], "multirole@demo.local");
    assert_eq!(
        body["user"]["roles"],
        json!(["learner", "trainer", "org-admin"])
    );
    assert!(body["user"]["organizationId"].is_string());
    assert!(body["user"]["fullName"].is_string());
    // 256 random bits in base64url.
    assert_eq!(body["refreshToken"].as_str().unwrap().len(), 43);
    let token = body["token"].as_str().unwrap();

    // `me` needs no active role; a held one is accepted.
    for role in [None, Some("trainer")] {
        let me = app
            .request(Method::GET, "/api/v1/auth/me", Some(token), role)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
        assert_eq!(me.headers()["cache-control"], "private, max-age=300");
        let me: Value = me.json().await.unwrap();
        assert_eq!(me["user"]["id"], body["user"]["id"]);
        assert!(me["user"]["lastLoginAt"].is_string(), "{me}");
    }
    app.stop().await;
}

#[tokio::test]
async fn bad_credentials_get_one_answer_and_bad_bodies_get_field_errors() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let login = |body: Value| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&body)
            .send()
    };
    let wrong_password =
        login(json!({"email": "learner@demo.local", "password": "wrong-password"}))
            .await
            .unwrap();
    let unknown_email = login(json!({"email": "nobody@demo.local", "password": "demo-password"}))
        .await
        .unwrap();
    assert_eq!(
        (
            wrong_password.status().as_u16(),
            unknown_email.status().as_u16()
        ),
        (401, 401)
    );
    let a: Value = wrong_password.json().await.unwrap();
    let b: Value = unknown_email.json().await.unwrap();
    assert_eq!(a["error"], "INVALID_CREDENTIALS");
    assert_eq!((&a["error"], &a["message"]), (&b["error"], &b["message"]));

    // Every field problem at once.
    let response = login(json!({"email": "not-an-address", "password": "short"}))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "VALIDATION_ERROR");
    assert!(body["validation"]["email"].is_string(), "{body}");
    assert!(body["validation"]["password"].is_string(), "{body}");
    let response = login(json!({"password": 12345678})).await.unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["validation"]["email"], "is required");
    assert_eq!(body["validation"]["password"], "must be a string");

    // Unknown fields, malformed JSON, another media type.
    let response =
        login(json!({"email": "learner@demo.local", "password": "demo-password", "admin": true}))
            .await
            .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["validation"]["admin"], "is not a known field",
        "{body}"
    );
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_code(response).await,
        (400, Some("VALIDATION_ERROR".into()))
    );
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("email=learner@demo.local")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_code(response).await,
        (415, Some("UNSUPPORTED_MEDIA_TYPE".into()))
    );
    app.stop().await;
}

async fn refresh(app: &crate::helpers::TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refreshToken": token}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_whole_family() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let session = app.login("learner@demo.local").await;
    let other_session = app.login("learner@demo.local").await;

    let response = refresh(&app, &session.refresh_token).await;
    assert_eq!(response.status(), 200);
    let rotated: Value = response.json().await.unwrap();
    assert_eq!(rotated["expiresIn"], 3600);
    let new_refresh = rotated["refreshToken"].as_str().unwrap().to_owned();
    let new_access = rotated["token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, session.refresh_token);
    let me = |token: String| {
        app.request(Method::GET, "/api/v1/auth/me", Some(&token), None)
            .send()
    };
    assert_eq!(me(new_access.clone()).await.unwrap().status(), 200);

    // The spent token again: refused, and the family (including the rotated tokens) is dead.
    assert_eq!(
        status_and_code(refresh(&app, &session.refresh_token).await).await,
        (401, Some("INVALID_REFRESH_TOKEN".into()))
    );
    assert_eq!(
        status_and_code(refresh(&app, &new_refresh).await).await,
        (401, Some("INVALID_REFRESH_TOKEN".into()))
    );
    assert_eq!(
        status_and_code(me(new_access).await.unwrap()).await,
        (401, Some("UNAUTHORIZED".into()))
    );
    // Another login's family is unaffected.
    assert_eq!(me(other_session.token.clone()).await.unwrap().status(), 200);
    assert_eq!(
        refresh(&app, &other_session.refresh_token).await.status(),
        200
    );

    // Unknown tokens and missing fields.
    assert_eq!(
        status_and_code(refresh(&app, "no-such-token").await).await,
        (401, Some("INVALID_REFRESH_TOKEN".into()))
    );
    let response = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["validation"]["refreshToken"], "is required");
    app.stop().await;
}

#[tokio::test]
async fn logout_revokes_the_session_and_its_access_token() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let session = app.login("trainer@demo.local").await;
    let other = app.login("trainer@demo.local").await;
    let logout = app
        .request(
            Method::POST,
            "/api/v1/auth/logout",
            Some(&session.token),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);
    let body: Value = logout.json().await.unwrap();
    assert_eq!(body["message"], "Successfully logged out");

    let me = app
        .request(Method::GET, "/api/v1/auth/me", Some(&session.token), None)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_code(me).await,
        (401, Some("UNAUTHORIZED".into()))
    );
    let again = app
        .request(
            Method::POST,
            "/api/v1/auth/logout",
            Some(&session.token),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
    assert_eq!(
        status_and_code(refresh(&app, &session.refresh_token).await).await,
        (401, Some("INVALID_REFRESH_TOKEN".into()))
    );
    // The other session of the same user still works.
    let me = app
        .request(Method::GET, "/api/v1/auth/me", Some(&other.token), None)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn login_is_limited_per_ip_and_refresh_limits_reset() {
    let app = spawn_app_with(SpawnOptions {
        seed_demo: true,
        rate_limit_multiplier: 1,
    })
    .await;
    // Login: 5 per 15 minutes per IP, counted whatever the outcome.
    for remaining in (0..5).rev() {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "learner@demo.local", "password": "wrong-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["ratelimit-limit"], "5");
        assert_eq!(
            response.headers()["ratelimit-remaining"],
            remaining.to_string().as_str()
        );
    }
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "learner@demo.local", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // A fixed window of 15 minutes from the first attempt, shared by every instance.
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(response.headers()["ratelimit-remaining"], "0");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(body["retryAfter"], retry_after);

    // Token refresh: 10 per minute (one back every 6 s); an unknown token counts per IP.
    let mut refused = None;
    for _ in 0..11 {
        let response = refresh(&app, "unknown-token").await;
        if response.status() == 429 {
            refused = Some(response);
            break;
        }
        assert_eq!(response.status(), 401);
    }
    let refused = refused.expect("the 11th refresh is refused");
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&wait), "{wait}");
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    assert_eq!(refresh(&app, "unknown-token").await.status(), 401, "reset");
    app.stop().await;
}
