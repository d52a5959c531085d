//! Each collector against a real HTTP stand-in (wiremock on 127.0.0.1): a normal pull lands
//! the mapped records through the collection port, with the supplier's provenance.

mod support;

use la_domain::IdKind;
use la_domain::model::*;
use la_upstream::{RunStatus, Service, Upstreams};
use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn serve(server: &MockServer, route: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(format!("/api/v1{route}")))
        .and(header("authorization", "Bearer test-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

/// Collects one http upstream pointed at `server` into a recording store.
async fn collect(
    service: Service,
    server: &MockServer,
    store: &RecordingStore,
) -> la_upstream::ServiceReport {
    let upstreams =
        Upstreams::new(&http(&[(service, &server.uri())]), fast_options()).expect("upstreams");
    let report = upstreams
        .collect(store, Some(service), now())
        .await
        .expect("collect");
    assert_eq!(report.services.len(), 1);
    report.services.into_iter().next().expect("one report")
}

#[tokio::test]
async fn directory_pulls_organisations_members_kpis_and_sessions() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/organizations/org_1",
        json!({"id": "org_1", "name": "Acme", "settings": {"timezone": "Europe/Berlin"},
               "departments": [{"id": "d_1", "name": "Eng", "teams": [{"id": "t_1", "name": "Core"}]}]}),
    )
    .await;
    // Two pages of members.
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations/org_1/users"))
        .and(query_param_is_missing("cursor"))
        .and(query_param("limit", "500"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [{"id": "u_2", "email": "Ann@Example.com", "firstName": "Ann", "lastName": "Lee",
                       "roles": ["learner", "org_admin"], "organizationId": "org_1",
                       "departmentId": "d_1", "teamId": "t_1"}],
            "nextCursor": "c2"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations/org_1/users"))
        .and(query_param("cursor", "c2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
            {"id": "u_3", "email": "bo@example.com", "organizationId": "org_1"}]})))
        .mount(&server)
        .await;
    serve(
        &server,
        "/organizations/org_1/kpis",
        json!([{"id": "k_1", "name": "NPS", "value": 40, "target": 50, "period": "2026-Q1"},
               {"id": "k_2", "name": "no target", "value": 1}]),
    )
    .await;
    serve(
        &server,
        "/users/u_2/login-logs",
        json!([{"id": "s_1", "userId": "u_2", "loginTime": "2026-02-10T08:00:00Z",
                "logoutTime": "2026-02-10T09:00:00Z", "ipAddress": "10.0.0.1"},
               {"id": "s_2", "userId": "u_2", "loginTime": "2026-02-11T08:00:00Z", "isSuccessful": false}]),
    )
    .await;
    let mut store = RecordingStore::default();
    store
        .roster
        .organizations
        .push(known("org_1", IdKind::Organization));
    let report = collect(Service::Directory, &server, &store).await;
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let (data, sources) = store.written();
    assert_eq!(sources, vec![DataSource::Directory]);
    assert_eq!(data.organizations.len(), 1);
    assert_eq!(data.organizations[0].external_id.as_deref(), Some("org_1"));
    assert_eq!(data.departments.len(), 1);
    assert_eq!(data.teams.len(), 1);
    assert_eq!(data.users.len(), 2, "both pages");
    let ann = data
        .users
        .iter()
        .find(|u| u.display_name == "Ann Lee")
        .expect("Ann");
    assert_eq!(ann.email.as_deref(), Some("ann@example.com"));
    assert_eq!(
        ann.roles,
        vec![la_domain::Role::Learner, la_domain::Role::OrgAdmin]
    );
    assert_eq!(data.kpis.len(), 1, "the KPI without target is left out");
    assert_eq!(data.sessions.len(), 1, "failed logins are ignored");
    assert_eq!(
        data.sessions[0]
            .ended_at
            .map(|e| e - data.sessions[0].started_at),
        Some(chrono::Duration::hours(1))
    );
    assert_eq!(report.unmappable, 1);
    assert_eq!(store.outcome(DataSource::Directory), Some(None));
}

#[tokio::test]
async fn course_builder_merges_enrollments_progress_and_completions() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/users/u_1/progress",
        json!([
        {"userId": "u_1", "courseId": "c_1", "progress": 40, "status": "in_progress",
         "lastAccessed": "2026-02-20T10:00:00Z"}]),
    )
    .await;
    serve(&server, "/users/u_1/completions", json!([])).await;
    serve(
        &server,
        "/courses/c_1",
        json!({"id": "c_1", "title": "Rust", "category": "dev",
        "modules": [{"id": "m_1", "order": 1, "name": "Intro", "estimatedHours": 2}],
        "taughtSkills": [{"skillId": "rust", "level": "Intermediate"}]}),
    )
    .await;
    serve(
        &server,
        "/courses/c_1/enrollments",
        json!([
        {"courseId": "c_1", "userId": "u_1", "enrolledAt": "2026-02-01T00:00:00Z",
         "enrollmentType": "assigned", "status": "in_progress", "progress": 30}]),
    )
    .await;
    let store = RecordingStore::with_users(&["u_1"]);
    let report = collect(Service::CourseBuilder, &server, &store).await;
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let (data, sources) = store.written();
    assert_eq!(sources, vec![DataSource::CourseBuilder]);
    assert_eq!(data.courses.len(), 1);
    assert_eq!(
        data.courses[0].taught_skills[0].level,
        SkillLevel::INTERMEDIATE
    );
    assert_eq!(data.modules.len(), 1);
    assert_eq!(data.enrollments.len(), 1);
    let e = &data.enrollments[0];
    assert_eq!(
        e.progress_pct, 40.0,
        "progress wins over the enrollment list"
    );
    assert_eq!(e.assignment_type, AssignmentType::Mandatory);
    assert_eq!(e.status, EnrollmentStatus::Active);
}

#[tokio::test]
async fn content_studio_pulls_listed_content_and_interactions() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/courses/c_1/content",
        json!([{"id": "x_1", "moduleId": "m_1", "type": "video"}]),
    )
    .await;
    serve(
        &server,
        "/content/x_1/metadata",
        json!({"id": "x_1", "title": "Ownership", "type": "Video",
        "createdAt": "2026-01-01T00:00:00Z", "creationMethod": "ai"}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/u_1/content-interactions"))
        .and(query_param("end_date", now().to_rfc3339()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"contentId": "x_1", "startedAt": "2026-02-02T10:00:00Z", "durationSeconds": 300,
             "completed": true, "completedAt": "2026-02-02T10:05:00Z"}])))
        .mount(&server)
        .await;
    let mut store = RecordingStore::with_users(&["u_1"]);
    store.roster.courses.push(known("c_1", IdKind::Course));
    let report = collect(Service::ContentStudio, &server, &store).await;
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let (data, _) = store.written();
    assert_eq!(data.content_items.len(), 1);
    assert_eq!(data.content_items[0].content_type, ContentType::Video);
    assert_eq!(data.content_items[0].creation_method, CreationMethod::Ai);
    assert!(data.content_items[0].module_id.is_some());
    assert_eq!(data.content_interactions.len(), 1);
    assert_eq!(data.content_interactions[0].progress_pct, 100.0);
}

#[tokio::test]
async fn assessment_derives_assessments_from_attempts() {
    let server = MockServer::start().await;
    serve(&server, "/users/u_1/scores", json!([
        {"id": "a_1", "userId": "u_1", "assessmentId": "q_1", "score": 60, "maxScore": 100,
         "attemptNumber": 1, "completedAt": "2026-02-03T10:00:00Z", "timeSpent": 600, "threshold": 70},
        {"id": "a_2", "userId": "u_1", "assessmentId": "q_1", "score": 85, "maxScore": 100,
         "attemptNumber": 2, "completedAt": "2026-02-04T10:00:00Z", "status": "passed", "kind": "post"}])).await;
    let store = RecordingStore::with_users(&["u_1"]);
    let report = collect(Service::Assessment, &server, &store).await;
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let (data, _) = store.written();
    assert_eq!(data.assessments.len(), 1);
    assert_eq!(data.assessment_attempts.len(), 2);
    let first = data
        .assessment_attempts
        .iter()
        .find(|a| a.attempt_no == 1)
        .expect("attempt 1");
    assert!(!first.passed, "60 % is below the threshold of 70");
    assert_eq!(first.duration_minutes, 10.0);
    assert_eq!(
        first.submitted_at - first.started_at,
        chrono::Duration::minutes(10)
    );
}

#[tokio::test]
async fn skills_engine_pulls_catalogue_demand_skills_and_acquisitions() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/skills/catalog",
        json!([{"skillId": "rust", "name": "Rust", "category": "lang"}]),
    )
    .await;
    // A `data` wrapper is unwrapped once.
    serve(
        &server,
        "/skills/demand",
        json!({"data": [{"skillId": "rust", "marketDemand": 80, "asOf": "2026-02-01"}]}),
    )
    .await;
    serve(
        &server,
        "/users/u_1/skills",
        json!([
        {"id": "rust", "name": "Rust", "level": "Advanced", "lastUpdated": "2026-02-01T00:00:00Z"},
        {"id": "go", "name": "Go", "level": 1}]),
    )
    .await;
    serve(
        &server,
        "/users/u_1/skill-acquisition",
        json!([
        {"userId": "u_1", "skillId": "rust", "acquiredAt": "2026-01-15T00:00:00Z",
         "acquisitionMethod": "course_completion"}]),
    )
    .await;
    // skill-targets is an extension this upstream does not offer: 404 means "missing".
    let store = RecordingStore::with_users(&["u_1"]);
    let report = collect(Service::SkillsEngine, &server, &store).await;
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let (data, _) = store.written();
    assert_eq!(
        data.skills.len(),
        2,
        "catalogue plus the skill only a user holds"
    );
    assert_eq!(data.skill_demand.len(), 1);
    assert_eq!(data.user_skills.len(), 2);
    let rust = data
        .user_skills
        .iter()
        .find(|s| s.current_level == SkillLevel::ADVANCED)
        .expect("rust");
    assert_eq!(rust.acquired_via, Some(AcquiredVia::Course));
    assert!(data.skill_targets.is_empty());
}

#[tokio::test]
async fn learner_ai_pulls_paths_progress_and_recommendations() {
    let server = MockServer::start().await;
    serve(&server, "/users/u_1/learning-paths", json!([
        {"id": "p_1", "title": "Backend", "difficulty": "advanced", "steps": [
            {"order": 1, "title": "HTTP", "status": "completed", "completedAt": "2026-02-05T00:00:00Z"},
            {"order": 2, "title": "SQL", "status": "pending"}]}])).await;
    serve(
        &server,
        "/users/u_1/recommendations",
        json!([
        {"id": "r_1", "type": "skill", "title": "Learn SQL", "reason": "gap", "priority": "high"}]),
    )
    .await;
    let store = RecordingStore::with_users(&["u_1"]);
    let report = collect(Service::LearnerAi, &server, &store).await;
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let (data, _) = store.written();
    assert_eq!(data.learning_paths.len(), 1);
    assert_eq!(data.learning_paths[0].topics.len(), 2);
    assert_eq!(data.user_learning_paths[0].topics_completed, 1);
    assert_eq!(data.user_learning_paths[0].progress_pct, 50.0);
    assert_eq!(data.topic_completions.len(), 1);
    assert_eq!(
        data.upstream_recommendations[0].kind,
        RecommendationKind::Skill
    );
}

#[tokio::test]
async fn devlab_pulls_practice_sessions_with_the_pass_rule() {
    let server = MockServer::start().await;
    serve(&server, "/users/u_1/practice-sessions", json!([
        {"id": "ps_1", "userId": "u_1", "startedAt": "2026-02-06T10:00:00Z",
         "completedAt": "2026-02-06T10:10:00Z", "duration": 600, "status": "completed", "score": 80},
        {"id": "ps_2", "userId": "u_1", "startedAt": "2026-02-07T10:00:00Z",
         "completedAt": null, "status": "in_progress", "score": 90}])).await;
    let store = RecordingStore::with_users(&["u_1"]);
    let report = collect(Service::Devlab, &server, &store).await;
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let (data, sources) = store.written();
    assert_eq!(sources, vec![DataSource::Devlab]);
    let passed: Vec<bool> = data.practice_submissions.iter().map(|p| p.passed).collect();
    assert_eq!(
        passed,
        vec![true, false],
        "only a completed session can pass"
    );
}

#[tokio::test]
async fn rag_assistant_counts_user_messages_of_the_last_90_days() {
    let server = MockServer::start().await;
    serve(&server, "/users/u_1/chat-history", json!([
        {"id": "m_1", "userId": "u_1", "message": "help", "timestamp": "2026-02-08T10:00:00Z", "type": "user"},
        {"id": "m_2", "userId": "u_1", "message": "answer", "timestamp": "2026-02-08T10:00:05Z", "type": "assistant"},
        {"id": "m_3", "userId": "u_1", "message": "old", "timestamp": "2025-10-01T10:00:00Z", "type": "user"}])).await;
    let store = RecordingStore::with_users(&["u_1"]);
    let report = collect(Service::RagAssistant, &server, &store).await;
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let (data, _) = store.written();
    assert_eq!(data.help_requests.len(), 1);
}

#[tokio::test]
async fn ms12_verifies_a_login_and_normalises_roles() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/auth/login"))
        .and(body_json(json!({"email": "a@example.com", "password": "pw"})))
        .and(header("x-api-key", "k"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": "t",
            "user": {"id": "u_1", "email": "A@example.com", "roles": ["org_admin"], "organizationId": "o_1"}})))
        .mount(&server)
        .await;
    let upstreams = Upstreams::new(&http(&[(Service::Ms12Auth, &server.uri())]), fast_options())
        .expect("upstreams");
    let t = upstreams.transport(Service::Ms12Auth).expect("http");
    let user = la_upstream::clients::ms12::login(&t, "a@example.com", "pw", Some("k"), "req-1")
        .await
        .expect("call")
        .expect("verified");
    assert_eq!(user.roles, vec![la_domain::Role::OrgAdmin]);
    assert_eq!(user.email, "a@example.com");
    // MS12 is never collected.
    assert!(upstreams.pulled().is_empty());
}

#[tokio::test]
async fn wrong_passwords_at_ms12_do_not_open_its_breaker() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/auth/login"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let upstreams = Upstreams::new(&http(&[(Service::Ms12Auth, &server.uri())]), fast_options())
        .expect("upstreams");
    let t = upstreams.transport(Service::Ms12Auth).expect("http");
    for _ in 0..6 {
        let verified = la_upstream::clients::ms12::login(&t, "a@example.com", "bad", None, "r")
            .await
            .expect("an answer");
        assert_eq!(verified, None);
    }
    assert_eq!(
        t.breaker().snapshot().state,
        la_upstream::breaker::BreakerState::Closed
    );
}

#[tokio::test]
async fn a_failing_upstream_fabricates_nothing_and_records_the_failure() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let store = RecordingStore::with_users(&["u_1"]);
    let report = collect(Service::Devlab, &server, &store).await;
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(report.failed_calls, 1);
    let (data, _) = store.written();
    assert_eq!(data.total_records(), 0);
    let error = store
        .outcome(DataSource::Devlab)
        .flatten()
        .expect("failure recorded");
    assert!(error.contains("503"), "{error}");
}

#[tokio::test]
async fn without_a_static_token_a_service_jwt_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/u_1/chat-history"))
        .and(wiremock::matchers::header_regex(
            "authorization",
            r"^Bearer [\w-]+\.[\w-]+\.[\w-]+$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let mut settings = http(&[(Service::RagAssistant, &server.uri())]);
    if let Some(la_upstream::Mode::Http { token, .. }) =
        settings.services.get_mut(&Service::RagAssistant)
    {
        *token = None;
    }
    settings.service_secret =
        la_upstream::auth::ServiceToken::new("0123456789abcdef0123456789abcdef");
    let upstreams = Upstreams::new(&settings, fast_options()).expect("upstreams");
    let store = RecordingStore::with_users(&["u_1"]);
    let report = upstreams
        .collect(&store, Some(Service::RagAssistant), now())
        .await
        .expect("collect");
    assert_eq!(
        report.services[0].status,
        RunStatus::Completed,
        "{:?}",
        report.services[0]
    );
    assert_eq!(report.services[0].calls, 1);
    // A 404 would also complete (empty result): check what was sent.
    let requests = server.received_requests().await.expect("recorded");
    let auth = requests[0]
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .expect("an authorization header");
    assert_eq!(
        auth.strip_prefix("Bearer ").map(|t| t.split('.').count()),
        Some(3),
        "{auth}"
    );
}
