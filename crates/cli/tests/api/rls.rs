//! Row-level security behind the HTTP checks (data.md 4, ARCHITECTURE.md "Row-level
//! security"): the stored results an endpoint serves are read through the database's policies
//! as the caller. A token whose claims no longer match the directory (here: the user has moved
//! to another organisation since logging in) passes the HTTP checks, which trust the signed
//! claims, but the database shows it nothing: 403, and the organisation is not recomputed.

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
}
