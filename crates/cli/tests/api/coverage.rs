//! Coverage over HTTP (decision 9, `integration.md` 6.7): while an upstream is out for longer
//! than the maximum age, the data from before the outage is still served and the analytics
//! that require it say so in the envelope (`partial`, `lowConfidence`, `coverage`,
//! `warnings`); the others stay `complete`.

use crate::helpers::{SpawnOptions, spawn_app_configured};
use chrono::{Duration, SecondsFormat, Utc};
use la_app::analytics::batch::{BatchOptions, run_batch};
use la_app::results::{ResultKey, SubjectType};
use la_domain::Role;
use la_domain::coverage::Family;
use serde_json::Value;

#[tokio::test]
async fn data_from_before_the_outage_is_still_served_and_marked_partial() {
    // No workers: nothing may recompute behind the test's back.
    let app = spawn_app_configured(SpawnOptions::demo(), |settings| {
        settings.jobs.workers_enabled = false;
    })
    .await;
    let store = app.database.store();
    let learner = app.login("learner@demo.local").await;
    let now = Utc::now();
    let options = BatchOptions {
        now,
        window: la_domain::analytics::Window::Days30,
        org: None,
    };
    run_batch(store.clone(), options, |_| {})
        .await
        .expect("batch");
    let key = |analytics_type: &str| ResultKey {
        subject_type: SubjectType::User,
        subject_id: learner.user_id.parse().unwrap(),
        role: Some(Role::Learner),
        analytics_type: analytics_type.to_owned(),
        params_key: "window=30d".to_owned(),
    };
    let before_velocity = store.get_result(&key("velocity")).await.unwrap().unwrap();
    let before_performance = store
        .get_result(&key("performance"))
        .await
        .unwrap()
        .unwrap();
    assert!(before_velocity.data.is_some() && before_performance.data.is_some());

    // Course Builder last succeeded three days ago and has failed since; every other
    // upstream collected an hour ago.
    let cb_success = now - Duration::hours(72);
    for family in Family::ALL {
        let at = if family == Family::CourseBuilder {
            cb_success
        } else {
            now - Duration::hours(1)
        };
        store
            .record_source_success(family.source(), family.entities(), at)
            .await
            .unwrap();
    }
    store
        .record_source_failure(
            Family::CourseBuilder.source(),
            Family::CourseBuilder.entities(),
            now - Duration::hours(2),
            "connection refused",
        )
        .await
        .unwrap();
    run_batch(store.clone(), options, |_| {})
        .await
        .expect("batch");

    let read = |analytic: &'static str| {
        let path = format!("/api/v1/learner/analytics/{analytic}/{}", learner.user_id);
        let request = app.request(
            reqwest::Method::GET,
            &path,
            Some(&learner.token),
            Some("learner"),
        );
        async move {
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), 200, "{analytic}");
            response.json::<Value>().await.expect("JSON")
        }
    };

    // Velocity requires DIR, CB and LAI: two of three present.
    let velocity = read("velocity").await;
    assert_eq!(velocity["data"], before_velocity.data.unwrap().to_value());
    assert_eq!(velocity["status"], "partial", "{velocity}");
    assert_eq!(velocity["lowConfidence"], true);
    let coverage = velocity["coverage"].as_f64().unwrap();
    assert!((coverage - 2.0 / 3.0).abs() < 1e-9, "{coverage}");
    let synced = cb_success.to_rfc3339_opts(SecondsFormat::Secs, true);
    assert_eq!(
        velocity["warnings"],
        serde_json::json!([format!(
            "source course-builder last synced {synced}; data may be incomplete"
        )])
    );

    // Performance requires ASM only.
    let performance = read("performance").await;
    assert_eq!(
        performance["data"],
        before_performance.data.unwrap().to_value()
    );
    assert_eq!(performance["status"], "complete", "{performance}");
    assert_eq!(performance["lowConfidence"], false);
    assert_eq!(performance["coverage"].as_f64(), Some(1.0));
    assert_eq!(performance["warnings"], serde_json::json!([]));
    app.stop().await;
}
