//! S3 manual refresh, J1 job status and J2 cancel (`api.md` 2.9, 2.10, 4.2).

use crate::helpers::{SpawnOptions, TestApp, spawn_app_configured, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};

async fn refresh(app: &TestApp, token: &str, role: &str, body: Value) -> reqwest::Response {
    app.request(
        Method::POST,
        "/api/v1/analytics/refresh",
        Some(token),
        Some(role),
    )
    .json(&body)
    .send()
    .await
    .expect("request")
}

async fn job(app: &TestApp, token: &str, role: Option<&str>, id: &str) -> reqwest::Response {
    app.request(
        Method::GET,
        &format!("/api/v1/jobs/{id}"),
        Some(token),
        role,
    )
    .send()
    .await
    .expect("request")
}

async fn cancel(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/v1/jobs/{id}/cancel"),
        Some(token),
        None,
    )
    .send()
    .await
    .expect("request")
}

/// Polls J1 as the owner until the job is terminal (or a minute has passed); its last body.
async fn wait_until_terminal(app: &TestApp, token: &str, id: &str) -> Value {
    let mut status = Value::Null;
    for _ in 0..240 {
        let response = job(app, token, None, id).await;
        assert_eq!(response.status(), 200);
        status = response.json().await.unwrap();
        if status["status"] == "completed" || status["status"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    status
}

#[tokio::test]
async fn a_manual_refresh_is_queued_run_and_visible_to_its_owner_only() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let other = app.login("learner@second.demo.local").await;
    let admin = app.login("platformadmin@demo.local").await;
    // Read once, so that the in-process cache holds the result the refresh will replace.
    let velocity = format!("/api/v1/learner/analytics/velocity/{}", learner.user_id);
    let read_velocity = || async {
        let response = app
            .request(
                Method::GET,
                &velocity,
                Some(&learner.token),
                Some("learner"),
            )
            .send()
            .await
            .expect("request");
        let envelope: Value = response.json().await.unwrap();
        envelope["lastUpdated"].as_str().unwrap().to_owned()
    };
    let before = read_velocity().await;
    let response = refresh(
        &app,
        &learner.token,
        "learner",
        json!({"userId": learner.user_id, "role": "learner", "analytics": ["velocity", "mastery"]}),
    )
    .await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Manual refresh queued successfully");
    assert_eq!(body["queuedAnalytics"], json!(["velocity", "mastery"]));
    assert!(body["estimatedCompletion"].is_string());
    let id = body["jobId"].as_str().unwrap().to_owned();

    // The service's workers run it; the owner polls J1 until it is terminal.
    let status = wait_until_terminal(&app, &learner.token, &id).await;
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(status["type"], "manual-analytics-refresh");
    assert_eq!(status["role"], "learner");
    assert_eq!(status["userId"], learner.user_id.as_str());
    assert_eq!(status["completedAnalytics"], json!(["velocity", "mastery"]));
    assert_eq!(status["attempts"], 1);
    assert_eq!(status["progress"], 100);
    // The refresh evicted the cached copy: the next read serves the new calculation.
    let after = read_velocity().await;
    assert!(after > before, "still {before} after the refresh ({after})");

    // Another user sees nothing; a platform admin sees it.
    assert_eq!(job(&app, &other.token, None, &id).await.status(), 404);
    assert_eq!(
        job(&app, &admin.token, Some("platform-admin"), &id)
            .await
            .status(),
        200
    );
    // Terminal jobs cannot be cancelled.
    let cancel = cancel(&app, &learner.token, &id).await;
    assert_eq!(cancel.status(), 409);
    let body: Value = cancel.json().await.unwrap();
    assert_eq!(body["error"], "JOB_NOT_CANCELLABLE");
    assert_eq!(
        job(&app, &learner.token, None, "not-a-uuid").await.status(),
        400
    );
    app.stop().await;
}

#[tokio::test]
async fn pending_refreshes_merge_and_can_be_cancelled() {
    // No workers: jobs stay pending.
    let app = spawn_app_configured(SpawnOptions::demo(), |settings| {
        settings.jobs.workers_enabled = false;
    })
    .await;
    let learner = app.login("learner@demo.local").await;
    let body = |analytics: Value| json!({"userId": learner.user_id, "role": "learner", "analytics": analytics});
    let first: Value = refresh(&app, &learner.token, "learner", body(json!(["velocity"])))
        .await
        .json()
        .await
        .unwrap();
    let second: Value = refresh(&app, &learner.token, "learner", body(json!(["engagement"])))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        first["jobId"], second["jobId"],
        "one pending job per (subject, role)"
    );
    assert_eq!(second["queuedAnalytics"], json!(["velocity", "engagement"]));
    let id = first["jobId"].as_str().unwrap();
    let cancelled = cancel(&app, &learner.token, id).await;
    assert_eq!(cancelled.status(), 200);
    let cancelled: Value = cancelled.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["jobId"], id);
    app.stop().await;
}

#[tokio::test]
async fn refresh_requests_are_validated_and_authorised() {
    let app = spawn_app_configured(SpawnOptions::demo(), |settings| {
        settings.jobs.workers_enabled = false;
    })
    .await;
    let learner = app.login("learner@demo.local").await;
    let trainer = app.login("trainer@demo.local").await;
    let cases = [
        (
            json!({"role": "learner", "analytics": ["velocity"]}),
            "userId",
        ),
        (
            json!({"userId": learner.user_id, "role": "learner", "analytics": ["course-health"]}),
            "analytics",
        ),
        (
            json!({"userId": learner.user_id, "role": "learner", "analytics": []}),
            "analytics",
        ),
        (
            json!({"userId": learner.user_id, "role": "learner", "analytics": ["velocity", "velocity"]}),
            "analytics",
        ),
        (
            json!({"userId": learner.user_id, "role": "boss", "analytics": ["velocity"]}),
            "role",
        ),
    ];
    for (body, field) in cases {
        let response = refresh(&app, &learner.token, "learner", body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["validation"][field].is_string(), "{body}: {error}");
    }
    // Someone else's analytics, or a role other than the active one: 403.
    let response = refresh(
        &app,
        &trainer.token,
        "trainer",
        json!({"userId": learner.user_id, "role": "learner", "analytics": ["velocity"]}),
    )
    .await;
    assert_eq!(response.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn the_fourth_refresh_within_an_hour_is_refused() {
    let app = spawn_app_configured(
        SpawnOptions {
            seed_demo: true,
            rate_limit_multiplier: 1,
        },
        |settings| settings.jobs.workers_enabled = false,
    )
    .await;
    let learner = app.login("learner@demo.local").await;
    let body = json!({"userId": learner.user_id, "role": "learner", "analytics": ["velocity"]});
    // Invalid requests do not count.
    for _ in 0..3 {
        let bad = refresh(&app, &learner.token, "learner", json!({"role": "learner"})).await;
        assert_eq!(bad.status(), 400);
    }
    for _ in 0..3 {
        assert_eq!(
            refresh(&app, &learner.token, "learner", body.clone())
                .await
                .status(),
            202
        );
    }
    let refused = refresh(&app, &learner.token, "learner", body).await;
    assert_eq!(refused.status(), 429);
    let error: Value = refused.json().await.unwrap();
    let retry_after = error["retryAfter"].as_u64().unwrap();
    assert!(retry_after > 0);
    // `nextAllowedAt` is now + retryAfter (give or take the request's own second).
    let next: chrono::DateTime<chrono::Utc> = error["nextAllowedAt"]
        .as_str()
        .expect("nextAllowedAt")
        .parse()
        .unwrap();
    let expected = chrono::Utc::now() + chrono::Duration::seconds(retry_after as i64);
    assert!(
        (next - expected).num_seconds().abs() <= 2,
        "{next} vs {expected}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_stale_read_schedules_a_refresh_and_names_it() {
    use la_app::results::{ResultKey, SubjectType};
    // No workers: the scheduled job stays pending for the assertions.
    let app = spawn_app_configured(SpawnOptions::demo(), |settings| {
        settings.jobs.workers_enabled = false;
    })
    .await;
    let learner = app.login("learner@demo.local").await;
    let store = app.database.store();
    let key = ResultKey {
        subject_type: SubjectType::User,
        subject_id: learner.user_id.parse().unwrap(),
        role: Some(la_domain::Role::Learner),
        analytics_type: "velocity".to_owned(),
        params_key: "window=30d".to_owned(),
    };
    let mut result = store.get_result(&key).await.unwrap().expect("demo result");
    result.calculated_at = chrono::Utc::now() - chrono::Duration::hours(7);
    store.upsert_results(&[result]).await.unwrap();

    let path = format!("/api/v1/learner/analytics/velocity/{}", learner.user_id);
    let response = app
        .request(Method::GET, &path, Some(&learner.token), Some("learner"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["isStale"], true, "{body}");
    let job_id = body["refreshJobId"]
        .as_str()
        .unwrap_or_else(|| panic!("no refreshJobId: {body}"))
        .to_owned();
    let status: Value = job(&app, &learner.token, None, &job_id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["type"], "stale-read-refresh");
    assert_eq!(status["status"], "pending");
    assert_eq!(status["queuedAnalytics"], json!(["velocity"]));
    // Another stale read joins the same job.
    let again: Value = app
        .request(Method::GET, &path, Some(&learner.token), Some("learner"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["refreshJobId"], job_id.as_str());
    app.stop().await;
}

#[tokio::test]
async fn a_login_with_stale_results_requests_their_refresh() {
    use la_app::analytics::batch::{BatchOptions, run_batch};
    use la_app::ports::Enqueued;
    let app = spawn_app_configured(SpawnOptions::demo(), |settings| {
        settings.jobs.workers_enabled = false;
    })
    .await;
    // Every stored result as if computed 7 hours ago: past the 6 h threshold.
    let store = app.database.store();
    run_batch(
        store.clone(),
        BatchOptions {
            now: chrono::Utc::now() - chrono::Duration::hours(7),
            window: la_domain::analytics::Window::Days30,
            org: None,
        },
        |_| {},
    )
    .await
    .expect("batch");

    let learner = app.login("learner@demo.local").await;
    // Login does not wait for the check; give its task a moment.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let user = la_domain::UserId(learner.user_id.parse().unwrap());
    let profile = store.user_profile(user).await.unwrap().unwrap();
    let again = la_app::jobs::request_login_refreshes(
        store.as_ref(),
        app.database.jobs().as_ref(),
        &profile,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(again.len(), 1, "one held role: {again:?}");
    let Enqueued::Merged(job_id) = again[0].1 else {
        panic!("the login had not requested the refresh: {again:?}");
    };

    // The stale read names the same pending job, visible to its owner.
    let response = app
        .request(
            Method::GET,
            &format!("/api/v1/learner/analytics/velocity/{}", learner.user_id),
            Some(&learner.token),
            Some("learner"),
        )
        .send()
        .await
        .unwrap();
    let envelope: Value = response.json().await.unwrap();
    assert_eq!(envelope["isStale"], true);
    assert_eq!(envelope["refreshJobId"], job_id.to_string());
    let body: Value = job(&app, &learner.token, None, &job_id.to_string())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["type"], "login-staleness-refresh");
    assert_eq!(body["status"], "pending");
    app.stop().await;
}

/// Decision 5: several instances share one PostgreSQL, and a recalculation on one evicts the
/// others' in-process copies (`LISTEN/NOTIFY`). SQLite is one process: nothing to check there.
#[tokio::test]
async fn a_recalculation_on_one_instance_evicts_the_other_instances_copy() {
    let a = spawn_app_with(SpawnOptions::demo()).await;
    if a.settings.database_url.starts_with("sqlite:") {
        a.stop().await;
        return;
    }
    // Instance B: the same database, no workers of its own (A runs the job).
    let b = a
        .second_instance(|settings| settings.jobs.workers_enabled = false)
        .await;
    let b_address = b.address.clone();

    let learner = a.login("learner@demo.local").await;
    let read_on_b = || async {
        let envelope: Value = a
            .client
            .get(format!(
                "{b_address}/api/v1/learner/analytics/velocity/{}",
                learner.user_id
            ))
            .bearer_auth(&learner.token)
            .header("x-active-role", "learner")
            .send()
            .await
            .expect("request")
            .json()
            .await
            .unwrap();
        envelope["lastUpdated"].as_str().unwrap().to_owned()
    };
    let before = read_on_b().await;

    let response = refresh(
        &a,
        &learner.token,
        "learner",
        json!({"userId": learner.user_id, "role": "learner", "analytics": ["velocity"]}),
    )
    .await;
    assert_eq!(response.status(), 202);
    let id = response.json::<Value>().await.unwrap()["jobId"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..240 {
        let status: Value = job(&a, &learner.token, None, &id)
            .await
            .json()
            .await
            .unwrap();
        if status["status"] == "completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // The notification travels asynchronously: B serves the new result within moments.
    let mut after = read_on_b().await;
    for _ in 0..20 {
        if after > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        after = read_on_b().await;
    }
    assert!(after > before, "instance B still serves {before} ({after})");
    b.stop().await;
    a.stop().await;
}

/// The refresh limit holds across instances (`api.md` 3.4, decision 5): 3 per hour per user
/// whichever instance counts them, because the counter lives in the shared database.
#[tokio::test]
async fn the_refresh_limit_is_shared_by_instances_on_one_database() {
    let a = spawn_app_configured(
        SpawnOptions {
            seed_demo: true,
            rate_limit_multiplier: 1,
        },
        |settings| settings.jobs.workers_enabled = false,
    )
    .await;
    // Instance B: the same database (for SQLite, the same file).
    let b = a.second_instance(|_| {}).await;
    let b_address = b.address.clone();
    let learner = a.login("learner@demo.local").await;
    let body = json!({"userId": learner.user_id, "role": "learner", "analytics": ["velocity"]});
    let refresh_on_b = || {
        a.client
            .post(format!("{b_address}/api/v1/analytics/refresh"))
            .bearer_auth(&learner.token)
            .header("x-active-role", "learner")
            .json(&body)
            .send()
    };

    let first = refresh(&a, &learner.token, "learner", body.clone()).await;
    assert_eq!(first.status(), 202);
    assert_eq!(first.headers()["ratelimit-remaining"], "2");
    let second = refresh_on_b().await.unwrap();
    assert_eq!(second.status(), 202);
    assert_eq!(second.headers()["ratelimit-remaining"], "1");
    assert_eq!(
        refresh(&a, &learner.token, "learner", body.clone())
            .await
            .status(),
        202
    );
    let refused = refresh_on_b().await.unwrap();
    assert_eq!(refused.status(), 429, "B counts A's refreshes too");
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // The window started at the first refresh, moments ago.
    assert!((3_500..=3_600).contains(&retry_after), "{retry_after}");
    b.stop().await;
    a.stop().await;
}

/// A job that fails every attempt is retried with backoff (1, 2, 4 s here instead of 60,
/// 120, 240) and then dies; J1 shows it failed with the attempts made and the last error.
#[tokio::test]
async fn a_job_that_always_fails_shows_dead_with_its_error() {
    use la_app::ports::JobSubject;
    use la_app::results::SubjectType;
    let app = spawn_app_configured(SpawnOptions::demo(), |settings| {
        settings.jobs.retry_seconds = 1;
    })
    .await;
    let learner = app.login("learner@demo.local").await;
    // A refresh of a subject that does not exist: the handler fails it every time. It is
    // put in the queue directly (S3 refuses unknown subjects), owned by the learner.
    let owner = la_domain::UserId(learner.user_id.parse().unwrap());
    let id = la_app::jobs::request_refresh(
        app.database.jobs().as_ref(),
        la_app::jobs::RefreshRequest {
            job_type: la_domain::jobs::JobType::ManualAnalyticsRefresh,
            subject: JobSubject {
                subject_type: SubjectType::User,
                subject_id: uuid::Uuid::new_v4(),
                role: Some(la_domain::Role::Learner),
            },
            user_id: Some(owner),
            analytics: vec!["velocity".to_owned()],
            request_id: None,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap()
    .id()
    .to_string();
    let status = wait_until_terminal(&app, &learner.token, &id).await;
    assert_eq!(status["status"], "failed", "{status}");
    assert_eq!(status["attempts"], 4, "{status}");
    assert_eq!(status["error"], "the subject no longer exists", "{status}");
    assert_eq!(status["failedAnalytics"], json!(["velocity"]));
    assert!(status["completedAt"].is_string());
    app.stop().await;
}
