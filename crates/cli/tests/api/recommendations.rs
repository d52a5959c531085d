//! P4 `PATCH /api/v1/predictive/recommendations/:userId/:recommendationId` (decision 17).

use crate::helpers::{Session, SpawnOptions, TestApp, spawn_app_with};
use la_app::analytics::batch::{BatchOptions, run_batch};
use la_app::analytics::names;
use la_app::results::SubjectType;
use la_domain::Role;
use la_domain::analytics::Window;
use serde_json::{Value, json};

async fn recommendations(app: &TestApp, learner: &Session) -> Value {
    let response = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/predictive/recommendations/{}", learner.user_id),
            Some(&learner.token),
            Some("learner"),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["data"]["recommendations"].clone()
}

/// Every shown item, as (id, status).
fn items(lists: &Value) -> Vec<(String, String)> {
    ["urgent", "thisWeek", "ongoing"]
        .iter()
        .flat_map(|bucket| lists[bucket].as_array().cloned().unwrap_or_default())
        .map(|item| {
            (
                item["recommendationId"].as_str().unwrap().to_owned(),
                item["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn set_status(app: &TestApp, learner: &Session, id: &str, body: Value) -> (u16, Value) {
    let response = app
        .request(
            reqwest::Method::PATCH,
            &format!(
                "/api/v1/predictive/recommendations/{}/{id}",
                learner.user_id
            ),
            Some(&learner.token),
            Some("learner"),
        )
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn decisions_show_at_once_and_survive_the_next_batch() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let shown = items(&recommendations(&app, &learner).await);
    assert!(shown.len() >= 2, "the demo learner has advice: {shown:?}");
    let (saved, dismissed) = (shown[0].0.clone(), shown[1].0.clone());

    let (status, body) = set_status(&app, &learner, &saved, json!({"status": "saved"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "saved");
    assert_eq!(body["recommendationId"], saved.as_str());
    let (status, _) = set_status(&app, &learner, &dismissed, json!({"status": "dismissed"})).await;
    assert_eq!(status, 200);

    let now = items(&recommendations(&app, &learner).await);
    assert!(
        now.contains(&(saved.clone(), "saved".to_owned())),
        "{now:?}"
    );
    assert!(!now.iter().any(|(id, _)| *id == dismissed), "{now:?}");

    // A new generation keeps the decisions (read from storage, past every cache).
    let store = app.database.store();
    run_batch(
        store.clone(),
        BatchOptions {
            now: chrono::Utc::now(),
            window: Window::Days30,
            org: None,
        },
        |_| {},
    )
    .await
    .expect("batch");
    let user = uuid::Uuid::parse_str(&learner.user_id).unwrap();
    let stored = store
        .subject_results(SubjectType::User, user, Some(Role::Learner))
        .await
        .unwrap();
    let advice = stored
        .iter()
        .find(|r| r.key.analytics_type == names::RECOMMENDATIONS)
        .and_then(|r| r.data.as_ref())
        .expect("stored recommendations")
        .to_value();
    let regenerated = items(&advice["recommendations"]);
    assert!(
        regenerated.contains(&(saved.clone(), "saved".to_owned())),
        "{regenerated:?}"
    );
    assert!(!regenerated.iter().any(|(id, _)| *id == dismissed));
    app.stop().await;
}

#[tokio::test]
async fn bad_statuses_and_unknown_items_are_refused() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let shown = items(&recommendations(&app, &learner).await);
    let id = shown.first().expect("advice").0.clone();

    for bad in [json!({"status": "new"}), json!({"status": 3}), json!({})] {
        let (status, body) = set_status(&app, &learner, &id, bad).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["validation"]["status"].is_string(), "{body}");
    }
    let unknown = uuid::Uuid::new_v4().to_string();
    let (status, body) = set_status(&app, &learner, &unknown, json!({"status": "saved"})).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("NOT_FOUND")));
    // Another learner cannot decide for this one, even knowing the item id.
    let other = app.login("multirole@demo.local").await;
    let response = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/predictive/recommendations/{}/{id}", other.user_id),
            Some(&other.token),
            Some("learner"),
        )
        .json(&json!({"status": "dismissed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let still = items(&recommendations(&app, &learner).await);
    assert!(still.iter().any(|(i, _)| *i == id));
    app.stop().await;
}
