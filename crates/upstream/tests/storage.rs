//! Collection into a real database (SQLite, or PostgreSQL with `LA_TEST_DATABASE_URL`)
//! through la-storage's `CollectionStore`: http collectors against wiremock, and a full mock
//! run whose generated world passes the push validation untouched.

mod support;

use la_domain::model::{DataSource, EntityKind};
use la_storage::testing::TestDatabase;
use la_upstream::{RunStatus, Service, UpstreamSettings, Upstreams};
use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn serve(server: &MockServer, route: &str, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(format!("/api/v1{route}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn http_collectors_write_validated_rows_and_source_status() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.collection_store();

    let directory = MockServer::start().await;
    serve(
        &directory,
        "/organizations/org_1",
        json!({"id": "org_1", "name": "Acme"}),
    )
    .await;
    serve(
        &directory,
        "/organizations/org_1/users",
        json!([
        {"id": "u_1", "email": "u1@example.com", "firstName": "Uma", "organizationId": "org_1"}]),
    )
    .await;
    serve(&directory, "/organizations/org_1/kpis", json!([])).await;
    serve(&directory, "/users/u_1/login-logs", json!([
        {"id": "s_1", "userId": "u_1", "loginTime": "2026-02-10T08:00:00Z", "sessionDuration": 1800}])).await;
    let devlab = MockServer::start().await;
    serve(&devlab, "/users/u_1/practice-sessions", json!([
        {"id": "ps_1", "userId": "u_1", "startedAt": "2026-02-06T10:00:00Z",
         "completedAt": "2026-02-06T10:10:00Z", "duration": 600, "status": "completed", "score": 80},
        // References a user nobody knows: validation leaves it out, the rest is written.
        {"id": "ps_2", "userId": "ghost", "startedAt": "2026-02-06T10:00:00Z", "status": "in_progress"}])).await;

    let mut settings = http(&[
        (Service::Directory, &directory.uri()),
        (Service::Devlab, &devlab.uri()),
    ]);
    settings.extra_org_ids = vec!["org_1".to_owned()];
    let upstreams = Upstreams::new(&settings, fast_options()).expect("upstreams");
    let report = upstreams
        .collect(&*store, None, now())
        .await
        .expect("collect");
    let status_of = |service| {
        report
            .services
            .iter()
            .find(|s| s.service == service)
            .map(|s| s.status)
    };
    assert_eq!(status_of(Service::Directory), Some(RunStatus::Completed));
    // One practice session was refused: partial, but the source answered (coverage).
    assert_eq!(status_of(Service::Devlab), Some(RunStatus::Partial));
    let devlab_report = report
        .services
        .iter()
        .find(|s| s.service == Service::Devlab)
        .expect("devlab");
    let practice = &devlab_report.written[0];
    assert_eq!(
        (practice.inserted, practice.rejected),
        (1, 1),
        "{practice:?}"
    );

    let roster = store.roster().await.expect("roster");
    assert_eq!(roster.users.len(), 1);
    assert_eq!(roster.users[0].external_id.as_deref(), Some("u_1"));
    let org = roster.organizations[0].id;
    let data = db
        .store()
        .load_organization(la_domain::OrgId(org))
        .await
        .expect("load");
    assert_eq!(data.sessions.len(), 1);
    assert_eq!(data.practice_submissions.len(), 1);

    let statuses = store.source_statuses().await.expect("statuses");
    let status = |source, entity| {
        statuses
            .iter()
            .find(|s| s.source == source && s.entity == entity)
            .cloned()
    };
    let users = status(DataSource::Directory, EntityKind::Users).expect("users status");
    assert_eq!(users.last_success_at, Some(now()));
    assert_eq!(users.rows_written, 1);
    // A supplied entity without rows is still proven present (decision 9).
    let kpis = status(DataSource::Directory, EntityKind::Kpis).expect("kpis status");
    assert_eq!((kpis.last_success_at, kpis.rows_written), (Some(now()), 0));
    let practice = status(DataSource::Devlab, EntityKind::PracticeSubmissions).expect("devlab");
    assert_eq!(practice.last_success_at, Some(now()));

    // A second run against a failing Directory keeps the rows and records the failure.
    directory.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&directory)
        .await;
    let later = now() + chrono::Duration::hours(1);
    let report = upstreams
        .collect(&*store, Some(Service::Directory), later)
        .await
        .expect("collect");
    assert_eq!(report.services[0].status, RunStatus::Failed);
    let statuses = store.source_statuses().await.expect("statuses");
    let users = statuses
        .iter()
        .find(|s| s.source == DataSource::Directory && s.entity == EntityKind::Users)
        .expect("users status");
    assert_eq!(users.last_success_at, Some(now()), "last success is kept");
    assert_eq!(users.last_failure_at, Some(later));
    assert!(
        users
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("500"))
    );
    assert_eq!(store.roster().await.expect("roster").users.len(), 1);
}

#[tokio::test]
async fn a_mock_run_writes_the_demo_world_marked_mock_and_is_idempotent() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.collection_store();
    let upstreams =
        Upstreams::new(&UpstreamSettings::all_mock(), fast_options()).expect("upstreams");
    let report = upstreams
        .collect(&*store, None, now())
        .await
        .expect("collect");
    assert_eq!(report.services.len(), 8, "MS12 is not collected");
    let mut written = 0;
    for s in &report.services {
        assert_eq!(s.status, RunStatus::Completed, "{s:?}");
        assert_eq!(s.mode, "mock");
        assert_eq!(s.calls, 0, "mock mode makes no calls");
        for w in &s.written {
            assert_eq!(w.rejected, 0, "{:?}: {:?}", s.service, w);
        }
        written += s.rows_written();
    }
    assert!(written > 1_000, "the demo world was written: {written}");
    let statuses = store.source_statuses().await.expect("statuses");
    assert!(statuses.iter().all(|s| s.source == DataSource::Mock));
    assert!(
        statuses
            .iter()
            .any(|s| s.entity == EntityKind::PracticeSubmissions)
    );

    // Same day, same world: nothing changes.
    let again = upstreams
        .collect(&*store, None, now() + chrono::Duration::hours(2))
        .await
        .expect("collect");
    let changed: u64 = again.services.iter().map(|s| s.rows_written()).sum();
    assert_eq!(changed, 0);
}
