//! Push ingestion over HTTP (spec README decisions 2 and 11): who may push, what a push
//! returns, and that a bad batch writes nothing.

use crate::helpers::{SpawnOptions, TEST_INGEST_KEY, TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

const SKILLS: &str = "/api/v1/ingest/skills";

fn skill(n: usize) -> Value {
    json!({"id": format!("ext-skill-{n}"), "name": format!("Skill {n}"), "category": "testing"})
}

async fn push_as_key(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(TEST_INGEST_KEY)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_key_holder_pushes_and_a_repeated_push_changes_nothing() {
    let app = spawn_app().await;
    let body = json!({"records": [skill(1), skill(2)]});
    let (status, first) = push_as_key(&app, SKILLS, &body).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["entity"], "skills");
    assert_eq!(first["received"], 2);
    assert_eq!(first["inserted"], 2);
    assert_eq!(first["ids"].as_array().map(Vec::len), Some(2));

    let (status, again) = push_as_key(&app, SKILLS, &body).await;
    assert_eq!(status, 200);
    assert_eq!(
        (again["inserted"].clone(), again["unchanged"].clone()),
        (json!(0), json!(2))
    );
    // The external ids map to the same UUIDs every time.
    assert_eq!(first["ids"], again["ids"]);

    let mut changed = skill(2);
    changed["name"] = json!("Skill two, renamed");
    let (status, update) =
        push_as_key(&app, SKILLS, &json!({"records": [skill(1), changed]})).await;
    assert_eq!(status, 200);
    assert_eq!(
        (update["updated"].clone(), update["unchanged"].clone()),
        (json!(1), json!(1))
    );

    let response = app
        .client
        .delete(app.url(SKILLS))
        .bearer_auth(TEST_INGEST_KEY)
        .json(&json!({"keys": ["ext-skill-1", "ext-skill-404"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let deleted: Value = response.json().await.unwrap();
    assert_eq!(
        (deleted["deleted"].clone(), deleted["notFound"].clone()),
        (json!(1), json!(1))
    );
    app.stop().await;
}

#[tokio::test]
async fn one_bad_record_rejects_the_batch_names_it_and_writes_nothing() {
    let app = spawn_app().await;
    let mut bad = skill(2);
    bad["name"] = json!(17);
    let (status, body) =
        push_as_key(&app, SKILLS, &json!({"records": [skill(1), bad, skill(3)]})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "VALIDATION_ERROR");
    let validation = body["validation"].as_object().expect("validation map");
    assert_eq!(
        validation.keys().collect::<Vec<_>>(),
        vec!["records[1].name"]
    );
    assert!(body["requestId"].is_string());

    // Nothing of the rejected batch was stored: all three are new now.
    let (status, good) = push_as_key(
        &app,
        SKILLS,
        &json!({"records": [skill(1), skill(2), skill(3)]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(good["inserted"], 3);
    app.stop().await;
}

#[tokio::test]
async fn ten_thousand_records_fit_in_one_request_and_more_do_not() {
    let app = spawn_app().await;
    let records: Vec<Value> = (0..10_000).map(skill).collect();
    let (status, body) = push_as_key(&app, SKILLS, &json!({ "records": records })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["inserted"], 10_000);

    let records: Vec<Value> = (0..10_001).map(skill).collect();
    let (status, body) = push_as_key(&app, SKILLS, &json!({ "records": records })).await;
    assert_eq!(status, 400);
    assert!(body["validation"]["records"].is_string(), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn malformed_requests_get_their_specified_errors() {
    let app = spawn_app().await;
    let (status, body) =
        push_as_key(&app, "/api/v1/ingest/spaceships", &json!({"records": []})).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("NOT_FOUND")));

    let (status, body) = push_as_key(&app, SKILLS, &json!({"rows": [skill(1)]})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );

    let response = app
        .client
        .post(app.url(SKILLS))
        .bearer_auth(TEST_INGEST_KEY)
        .header("content-type", "text/csv")
        .body("id,name\n1,x\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);

    // Above 16 MiB: refused before the body is read, with the JSON error body.
    let oversize = vec![b' '; 16 * 1024 * 1024 + 1];
    let response = app
        .client
        .post(app.url(SKILLS))
        .bearer_auth(TEST_INGEST_KEY)
        .header("content-type", "application/json")
        .body(oversize)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "PAYLOAD_TOO_LARGE");
    app.stop().await;
}

#[tokio::test]
async fn only_key_holders_and_platform_admins_may_push() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let body = json!({"records": [skill(1)]});
    let send = |token: Option<String>, role: Option<&'static str>| {
        let mut request = app.client.post(app.url(SKILLS)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(role) = role {
            request = request.header("X-Active-Role", role);
        }
        async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body["error"].as_str().map(str::to_owned))
        }
    };
    let unauthorized = (401, Some("UNAUTHORIZED".to_owned()));
    assert_eq!(send(None, None).await, unauthorized);
    // A wrong key is just an invalid token.
    assert_eq!(
        send(Some(format!("{TEST_INGEST_KEY}x")), None).await,
        unauthorized
    );
    let learner = app.login("learner@demo.local").await;
    assert_eq!(
        send(Some(learner.token.clone()), Some("learner")).await,
        (403, Some("FORBIDDEN".to_owned()))
    );
    let admin = app.login("platformadmin@demo.local").await;
    assert_eq!(
        send(Some(admin.token.clone()), Some("platform-admin")).await,
        (200, None)
    );
    assert_eq!(
        send(Some(TEST_INGEST_KEY.to_owned()), None).await,
        (200, None)
    );

    // An ingest key opens nothing but ingestion.
    let response = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/learner/analytics/velocity/{}", learner.user_id),
            Some(TEST_INGEST_KEY),
            Some("learner"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    app.stop().await;
}
