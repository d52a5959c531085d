//! G5 `PUT /api/v1/gamification/preferences/:userId` (spec README decision 17).

use crate::helpers::{SpawnOptions, TestApp, spawn_app_with};
use serde_json::{Value, json};

async fn put_preferences(app: &TestApp, token: &str, user: &str, body: &Value) -> (u16, Value) {
    let response = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/gamification/preferences/{user}"),
            Some(token),
            Some("learner"),
        )
        .json(body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The caller's view of their organisation's monthly points board.
async fn leaderboard(app: &TestApp, token: &str) -> Value {
    let response = app
        .request(
            reqwest::Method::GET,
            "/api/v1/gamification/leaderboard",
            Some(token),
            Some("learner"),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["data"].clone()
}

#[tokio::test]
async fn an_opt_out_leaves_the_leaderboards_computed_after_it() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let other = app.login("multirole@demo.local").await;

    let before = leaderboard(&app, &other.token).await;
    let population = before["sampleSize"].as_u64().expect("a k-anonymous board");

    let (status, body) = put_preferences(
        &app,
        &learner.token,
        &learner.user_id,
        &json!({"optOutLeaderboards": true, "shareAchievements": false}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"userId": learner.user_id, "optOutLeaderboards": true, "shareAchievements": false})
    );

    // The learner's own board, computed after the opt-out: one person fewer, no standing.
    let after = leaderboard(&app, &learner.token).await;
    assert_eq!(
        after["sampleSize"].as_u64(),
        Some(population - 1),
        "{after}"
    );
    assert!(after["yourPercentile"].is_null(), "{after}");
    app.stop().await;
}

#[tokio::test]
async fn preferences_are_validated_and_owned() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let (status, body) = put_preferences(
        &app,
        &learner.token,
        &learner.user_id,
        &json!({"optOutLeaderboards": "yes"}),
    )
    .await;
    assert_eq!(status, 400);
    let validation = body["validation"].as_object().expect("field errors");
    assert!(validation.contains_key("optOutLeaderboards"), "{body}");
    assert!(validation.contains_key("shareAchievements"), "{body}");

    let (status, _) = put_preferences(
        &app,
        &learner.token,
        &learner.user_id,
        &json!({"optOutLeaderboards": true, "shareAchievements": true, "colour": "red"}),
    )
    .await;
    assert_eq!(status, 400);

    let other = app.login("learner@second.demo.local").await;
    let (status, body) = put_preferences(
        &app,
        &learner.token,
        &other.user_id,
        &json!({"optOutLeaderboards": true, "shareAchievements": true}),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("FORBIDDEN")));

    // Own-user only (decision 17), for a platform admin too.
    let admin = app.login("platformadmin@demo.local").await;
    let response = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/gamification/preferences/{}", learner.user_id),
            Some(&admin.token),
            Some("platform-admin"),
        )
        .json(&json!({"optOutLeaderboards": true, "shareAchievements": true}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    app.stop().await;
}
