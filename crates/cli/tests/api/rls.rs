//! Row-level security behind the HTTP checks (data.md 4, ARCHITECTURE.md "Row-level
//! security"): the stored results an endpoint serves are read through the database's policies
//! as the caller. A token whose claims no longer match the directory (here: the user has moved
//! to another organisation since logging in) passes the HTTP checks, which trust the signed
//! claims, but the database shows it nothing: 403, and the organisation is not recomputed.
//! Job status (J1) and the preference write (G5) go through the same policies.

use crate::helpers::{SpawnOptions, spawn_app_with, status_and_code};
use la_storage::Database;

#[tokio::test]
async fn the_database_refuses_what_a_stale_token_still_claims() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let read = |analytic: &str| {
        app.request(
            reqwest::Method::GET,
            &format!("/api/v1/learner/analytics/{analytic}/{}", learner.user_id),
            Some(&learner.token),
            Some("learner"),
        )
        .send()
    };
    let (status, _) = status_and_code(read("velocity").await.unwrap()).await;
    assert_eq!(status, 200, "the learner reads their own analytics");
    // A job of theirs (J1 reads it through the policies too).
    let queued: serde_json::Value = app
        .request(
            reqwest::Method::POST,
            "/api/v1/analytics/refresh",
            Some(&learner.token),
            Some("learner"),
        )
        .json(&serde_json::json!({
            "userId": learner.user_id, "role": "learner", "analytics": ["velocity"]
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job_id = queued["jobId"].as_str().expect("a queued job").to_owned();
    let job_status = || {
        app.request(
            reqwest::Method::GET,
            &format!("/api/v1/jobs/{job_id}"),
            Some(&learner.token),
            None,
        )
        .send()
    };
    let put_preferences = || {
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/gamification/preferences/{}", learner.user_id),
            Some(&learner.token),
            Some("learner"),
        )
        .json(&serde_json::json!({"optOutLeaderboards": false, "shareAchievements": true}))
        .send()
    };
    let (status, _) = status_and_code(job_status().await.unwrap()).await;
    assert_eq!(
        status, 200,
        "J1 without a role header: the caller's own job"
    );
    let (status, _) = status_and_code(put_preferences().await.unwrap()).await;
    assert_eq!(status, 200, "G5: the caller's own preferences");

    let Database::Postgres(pg) = &app.database else {
        // SQLite has no row-level security: the HTTP checks alone guard it, and they trust the
        // token's claims until it expires.
        return;
    };
    let user: uuid::Uuid = learner.user_id.parse().unwrap();
    let moved = sqlx::query(
        "UPDATE users SET org_id = (SELECT id FROM organizations \
         WHERE id IS DISTINCT FROM (SELECT org_id FROM users WHERE id = $1) LIMIT 1) \
         WHERE id = $1",
    )
    .bind(user)
    .execute(pg.pool())
    .await
    .unwrap();
    assert_eq!(moved.rows_affected(), 1);

    // Stored at start-up by the demo batch, not yet in the in-process cache.
    let (status, code) = status_and_code(read("engagement").await.unwrap()).await;
    assert_eq!(
        (status, code.as_deref()),
        (403, Some("FORBIDDEN")),
        "the claims name an organisation the user no longer belongs to"
    );
    // The job read and the preference write go through the policies as well: the job is
    // not found, the write refused.
    let (status, _) = status_and_code(job_status().await.unwrap()).await;
    assert_eq!(status, 404, "J1 reads the job as la_api");
    let (status, code) = status_and_code(put_preferences().await.unwrap()).await;
    assert_eq!(
        (status, code.as_deref()),
        (403, Some("FORBIDDEN")),
        "G5 writes as la_api"
    );
}
