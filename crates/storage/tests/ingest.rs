//! Push ingestion (`la_app::ingest`) end to end on a real database: SQLite by default,
//! PostgreSQL when `LA_TEST_DATABASE_URL` names a server.

use chrono::{DateTime, Duration, TimeZone, Utc};
use la_app::ingest::{self, IngestError};
use la_app::ports::Store;
use la_demo::DemoConfig;
use la_domain::model::{DataSource, Dataset, EntityKind, Provenance};
use la_domain::{IdKind, UserId};
use la_storage::testing::TestDatabase;
use serde_json::{Value, json};
use std::sync::Arc;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
}

fn small_demo() -> Dataset {
    let mut config = DemoConfig::new(now());
    config.learners = 40;
    config.second_org_learners = 12;
    la_demo::generate(&config)
}

/// A database holding the small demo (written as mock data, as in mock mode).
async fn seeded() -> (TestDatabase, la_storage::Database, Arc<dyn Store>, Dataset) {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let data = small_demo();
    let provenance = Provenance {
        source: DataSource::Mock,
        synced_at: now(),
    };
    store.write_dataset(&data, provenance).await.unwrap();
    (test_db, db, store, data)
}

fn body(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "records": records })).unwrap()
}

async fn count(store: &Arc<dyn Store>, kind: EntityKind) -> u64 {
    store
        .entity_counts()
        .await
        .unwrap()
        .into_iter()
        .find(|(k, _)| *k == kind)
        .unwrap()
        .1
}

/// An attempt with an external id on a stored assessment, by a stored learner.
fn attempt(data: &Dataset, n: usize, score: f64) -> Value {
    let assessment = &data.assessments[n % data.assessments.len()];
    let user = &data.users[n % data.users.len()];
    let submitted = now() - Duration::hours(1 + n as i64);
    json!({
        "id": format!("push-att-{n}"),
        "assessmentId": assessment.id,
        "userId": user.id,
        "attemptNo": 1,
        "startedAt": submitted - Duration::minutes(20),
        "submittedAt": submitted,
        "durationMinutes": 20,
        "score": score.min(assessment.max_score),
        "maxScore": assessment.max_score,
        "passed": true,
    })
}

fn invalid(err: IngestError) -> Vec<(Option<usize>, String, String)> {
    match err {
        IngestError::Invalid { errors, .. } => errors
            .into_iter()
            .map(|e| (e.index, e.field, e.reason))
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_batch_lands_and_sending_it_again_changes_nothing() {
    let (_t, db, store, data) = seeded().await;
    let before = count(&store, EntityKind::AssessmentAttempts).await;
    let records: Vec<Value> = (0..5).map(|n| attempt(&data, n, 1.0)).collect();

    let outcome = ingest::ingest(&*store, "assessment-attempts", &body(&records), now())
        .await
        .unwrap();
    assert_eq!(outcome.entity, EntityKind::AssessmentAttempts);
    assert_eq!(
        (
            outcome.received,
            outcome.inserted,
            outcome.updated,
            outcome.unchanged
        ),
        (5, 5, 0, 0)
    );
    assert_eq!(
        count(&store, EntityKind::AssessmentAttempts).await,
        before + 5
    );
    // The external attempt ids are listed with the UUID v5 they map to.
    let mapped: Vec<_> = outcome
        .ids
        .iter()
        .filter(|m| m.kind == "assessment-attempt")
        .collect();
    assert_eq!(mapped.len(), 5);
    assert!(mapped.iter().all(|m| {
        m.id == IdKind::AssessmentAttempt
            .map_external(&m.external_id)
            .unwrap()
    }));

    let again = ingest::ingest(&*store, "assessment-attempts", &body(&records), now())
        .await
        .unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 5));

    // One changed record is an update; the others stay unchanged.
    let mut changed = records.clone();
    changed[2]["durationMinutes"] = json!(25);
    let third = ingest::ingest(&*store, "assessment-attempts", &body(&changed), now())
        .await
        .unwrap();
    assert_eq!((third.inserted, third.updated, third.unchanged), (0, 1, 4));
    assert_eq!(
        count(&store, EntityKind::AssessmentAttempts).await,
        before + 5
    );
    // Coverage bookkeeping (decision 9): rows written by pushes of the entity, 5 new + 1 changed.
    assert_eq!(pushed_rows(&db, "assessment-attempts").await, Some(6));
    db.close().await;
}

/// `source_status.rows_written` of pushes of `entity`.
async fn pushed_rows(db: &la_storage::Database, entity: &str) -> Option<i64> {
    const SQL: &str =
        "SELECT rows_written FROM source_status WHERE source = 'push' AND entity = $1";
    match db {
        la_storage::Database::Sqlite(s) => sqlx::query_scalar(SQL)
            .bind(entity)
            .fetch_optional(s.pool())
            .await
            .unwrap(),
        la_storage::Database::Postgres(p) => sqlx::query_scalar(SQL)
            .bind(entity)
            .fetch_optional(p.pool())
            .await
            .unwrap(),
    }
}

#[tokio::test]
async fn pushing_a_stored_mock_row_unchanged_still_counts_as_an_update_of_its_source() {
    let (_t, db, store, data) = seeded().await;
    let session = serde_json::to_value(&data.sessions[0]).unwrap();
    let outcome = ingest::ingest(
        &*store,
        "sessions",
        &body(std::slice::from_ref(&session)),
        now(),
    )
    .await
    .unwrap();
    // Same values, but the row now comes from a push, not the mock generator.
    assert_eq!(
        (outcome.inserted, outcome.updated, outcome.unchanged),
        (0, 1, 0)
    );
    let again = ingest::ingest(&*store, "sessions", &body(&[session]), now())
        .await
        .unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 1));
    db.close().await;
}

#[tokio::test]
async fn one_bad_record_writes_nothing_and_every_bad_record_is_named() {
    let (_t, db, store, data) = seeded().await;
    let before = count(&store, EntityKind::AssessmentAttempts).await;
    let mut records: Vec<Value> = (0..6).map(|n| attempt(&data, n, 1.0)).collect();
    records[1]["score"] = json!(-1);
    records[3]["submittedAt"] = json!(now() + Duration::minutes(10));
    records[4]["userId"] = json!("nobody-42");
    records[5]["assessmentId"] = json!(7);

    let err = ingest::ingest(&*store, "assessment-attempts", &body(&records), now())
        .await
        .unwrap_err();
    let errors = invalid(err);
    let named: Vec<(Option<usize>, &str)> =
        errors.iter().map(|(i, f, _)| (*i, f.as_str())).collect();
    assert_eq!(
        named,
        [
            (Some(1), "score"),
            (Some(3), "submittedAt"),
            (Some(4), "userId"),
            (Some(5), "assessmentId"),
        ],
        "{errors:?}"
    );
    assert!(
        errors[2].2.contains("unknown user `nobody-42`"),
        "{errors:?}"
    );
    assert_eq!(count(&store, EntityKind::AssessmentAttempts).await, before);
    db.close().await;
}

#[tokio::test]
async fn references_resolve_against_the_database_and_the_same_request() {
    let (_t, db, store, data) = seeded().await;
    let org = data.organizations[0].id;
    // A parent pushed in the same request as its child; then a child of an unknown parent.
    let departments = [
        json!({"id": "dep-child", "orgId": org, "parentId": "dep-parent", "name": "Child"}),
        json!({"id": "dep-parent", "orgId": org, "name": "Parent"}),
    ];
    let outcome = ingest::ingest(&*store, "departments", &body(&departments), now())
        .await
        .unwrap();
    assert_eq!(outcome.inserted, 2);
    let orphan =
        [json!({"id": "dep-x", "orgId": "org-missing", "parentId": "dep-parent", "name": "X"})];
    let errors = invalid(
        ingest::ingest(&*store, "departments", &body(&orphan), now())
            .await
            .unwrap_err(),
    );
    // The parent is now stored; the organisation is not.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].0, errors[0].1.as_str()), (Some(0), "orgId"));
    db.close().await;
}

#[tokio::test]
async fn stored_rows_bound_the_rules_score_within_the_assessment_and_unique_emails() {
    let (_t, db, store, data) = seeded().await;
    let assessment = &data.assessments[0];
    let mut over = attempt(&data, 0, 1.0);
    // Within the attempt's own (wrong) maxScore, above the stored assessment's.
    over["maxScore"] = json!(assessment.max_score * 2.0);
    over["score"] = json!(assessment.max_score + 1.0);
    let errors = invalid(
        ingest::ingest(&*store, "assessment-attempts", &body(&[over]), now())
            .await
            .unwrap_err(),
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].1, "score");

    let taken = data.users.iter().find_map(|u| u.email.clone()).unwrap();
    let user = json!({
        "id": "new-user", "displayName": "New", "email": taken.to_uppercase(),
        "roles": ["learner"], "competencyLevel": 1, "createdAt": now(),
    });
    let errors = invalid(
        ingest::ingest(&*store, "users", &body(&[user]), now())
            .await
            .unwrap_err(),
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].1, "email");
    db.close().await;
}

#[tokio::test]
async fn unknown_fields_and_entities_are_refused() {
    let (_t, db, store, data) = seeded().await;
    let mut record = attempt(&data, 0, 1.0);
    record["grade"] = json!("A");
    let errors = invalid(
        ingest::ingest(&*store, "assessment-attempts", &body(&[record]), now())
            .await
            .unwrap_err(),
    );
    assert_eq!(errors, [(Some(0), "grade".into(), "unknown field".into())]);

    let top_level =
        serde_json::to_vec(&json!({"records": [attempt(&data, 0, 1.0)], "dryRun": true})).unwrap();
    let err = ingest::ingest(&*store, "assessment-attempts", &top_level, now())
        .await
        .unwrap_err();
    assert!(
        invalid(err)[0].2.contains("unknown field `dryRun`"),
        "top-level fields are checked too"
    );
    let err = ingest::ingest(&*store, "attempts", &body(&[]), now())
        .await
        .unwrap_err();
    assert!(matches!(err, IngestError::UnknownEntity(_)), "{err:?}");
    let err = ingest::ingest(&*store, "assessment-attempts", &body(&[]), now())
        .await
        .unwrap_err();
    assert_eq!(invalid(err)[0].1, "records", "an empty batch is refused");
    db.close().await;
}

#[tokio::test]
async fn ten_thousand_content_interactions_in_one_call() {
    let (_t, db, store, data) = seeded().await;
    let before = count(&store, EntityKind::ContentInteractions).await;
    let records: Vec<Value> = (0..10_000)
        .map(|n| {
            let started = now() - Duration::days(200) + Duration::seconds(n as i64 * 7);
            json!({
                "userId": data.users[n % data.users.len()].id,
                "contentId": data.content_items[n % data.content_items.len()].id,
                "startedAt": started,
                "lastInteractionAt": started + Duration::minutes(3),
                "durationSeconds": 180,
                "progressPct": 40,
                "completed": false,
            })
        })
        .collect();
    let outcome = ingest::ingest(&*store, "content-interactions", &body(&records), now())
        .await
        .unwrap();
    assert_eq!((outcome.received, outcome.inserted), (10_000, 10_000));
    assert_eq!(
        count(&store, EntityKind::ContentInteractions).await,
        before + 10_000
    );
    let again = ingest::ingest(&*store, "content-interactions", &body(&records), now())
        .await
        .unwrap();
    assert_eq!(again.unchanged, 10_000);
    let too_many: Vec<Value> = records.iter().chain(&records[..1]).cloned().collect();
    let err = ingest::ingest(&*store, "content-interactions", &body(&too_many), now())
        .await
        .unwrap_err();
    assert_eq!(invalid(err)[0].1, "records");
    db.close().await;
}

#[tokio::test]
async fn delete_removes_records_by_id_and_by_natural_key() {
    let (_t, db, store, data) = seeded().await;
    let records: Vec<Value> = (0..3).map(|n| attempt(&data, n, 1.0)).collect();
    ingest::ingest(&*store, "assessment-attempts", &body(&records), now())
        .await
        .unwrap();
    let before = count(&store, EntityKind::AssessmentAttempts).await;
    let keys = json!({"keys": ["push-att-0", {"id": "push-att-1"}, "push-att-0", "never-stored"]});
    let outcome = ingest::delete(
        &*store,
        "assessment-attempts",
        &serde_json::to_vec(&keys).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        (outcome.received, outcome.deleted, outcome.not_found),
        (4, 2, 1)
    );
    assert_eq!(
        count(&store, EntityKind::AssessmentAttempts).await,
        before - 2
    );

    let interaction = &data.content_interactions[0];
    let key = json!({"keys": [{
        "userId": interaction.user_id,
        "contentId": interaction.content_id,
        "startedAt": interaction.started_at,
    }]});
    let before = count(&store, EntityKind::ContentInteractions).await;
    let outcome = ingest::delete(
        &*store,
        "content-interactions",
        &serde_json::to_vec(&key).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(outcome.deleted, 1);
    assert_eq!(
        count(&store, EntityKind::ContentInteractions).await,
        before - 1
    );

    // All-or-nothing: one malformed key deletes nothing.
    let attempts = count(&store, EntityKind::AssessmentAttempts).await;
    let bad = json!({"keys": ["push-att-2", {"userId": "u", "startedAt": "yesterday"}]});
    let err = ingest::delete(
        &*store,
        "assessment-attempts",
        &serde_json::to_vec(&bad).unwrap(),
    )
    .await
    .unwrap_err();
    let errors = invalid(err);
    let named: Vec<(Option<usize>, &str)> =
        errors.iter().map(|(i, f, _)| (*i, f.as_str())).collect();
    assert_eq!(
        named,
        [(Some(1), "startedAt"), (Some(1), "userId"), (Some(1), "id")]
    );
    assert_eq!(
        count(&store, EntityKind::AssessmentAttempts).await,
        attempts
    );
    let bad =
        json!({"keys": [{"userId": "u", "contentId": "c", "startedAt": "yesterday", "x": 1}]});
    let errors = invalid(
        ingest::delete(
            &*store,
            "content-interactions",
            &serde_json::to_vec(&bad).unwrap(),
        )
        .await
        .unwrap_err(),
    );
    let fields: Vec<&str> = errors.iter().map(|(_, f, _)| f.as_str()).collect();
    assert_eq!(fields, ["x", "startedAt"]);
    db.close().await;
}

/// Every entity of the demo, pushed through the API shape (external ids where the demo has
/// them), reads back exactly as the demo wrote it: the id mapping, the key and rules of all
/// 28 entities agree with realistic data.
#[tokio::test]
async fn every_entity_of_the_demo_can_be_pushed_and_reads_back_the_same() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let data = small_demo();
    let Value::Object(lists) = serde_json::to_value(&data).unwrap() else {
        unreachable!()
    };
    // Dependency order: referenced entities first.
    let order = [
        "organizations",
        "departments",
        "teams",
        "users",
        "skills",
        "skillDemand",
        "courses",
        "modules",
        "assessments",
        "learningPaths",
        "contentItems",
        "sessions",
        "enrollments",
        "moduleProgress",
        "assessmentAttempts",
        "userSkills",
        "skillTargets",
        "userLearningPaths",
        "topicCompletions",
        "contentInteractions",
        "contentShares",
        "helpRequests",
        "practiceSubmissions",
        "courseReviews",
        "kpis",
        "valuePropositions",
        "mentoringEvents",
        "upstreamRecommendations",
    ];
    assert_eq!(order.len(), lists.len());
    let mut pushed = 0;
    for list in order {
        let mut records = lists[list].as_array().unwrap().clone();
        for record in &mut records {
            // The upstream sends its own id; the service derives the UUID and keeps the text.
            if let Some(external) = record.as_object_mut().unwrap().remove("externalId") {
                record["id"] = external;
            }
        }
        let entity = camel_to_kebab(list);
        for chunk in records.chunks(ingest::MAX_RECORDS) {
            let outcome = ingest::ingest(&*store, &entity, &body(chunk), now())
                .await
                .unwrap_or_else(|e| panic!("{entity}: {:?}", e.validation_map()));
            assert_eq!(outcome.inserted as usize, chunk.len(), "{entity}");
            pushed += chunk.len();
        }
    }
    assert_eq!(pushed, data.total_records());

    let mut read = store.load_catalog().await.unwrap();
    for org in store.organization_ids().await.unwrap() {
        read.append(store.load_organization(org).await.unwrap());
    }
    let (expected, actual) = (sorted_rows(&data), sorted_rows(&read));
    for (list, rows) in &expected {
        assert_eq!(Some(rows), actual.get(list), "{list} differs after a push");
    }
    db.close().await;
}

fn camel_to_kebab(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn sorted_rows(data: &Dataset) -> serde_json::Map<String, Value> {
    let Value::Object(lists) = serde_json::to_value(data).unwrap() else {
        unreachable!()
    };
    lists
        .into_iter()
        .map(|(list, rows)| {
            let mut rows: Vec<String> = rows
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.to_string())
                .collect();
            rows.sort();
            (list, json!(rows))
        })
        .collect()
}

#[test]
fn user_ids_of_the_demo_are_their_external_ids_mapped() {
    // The round-trip test relies on it: demo ids are minted like pushed external ids.
    let data = small_demo();
    let user = data.users.iter().find(|u| u.external_id.is_some()).unwrap();
    assert_eq!(
        user.id,
        UserId::from_external(user.external_id.as_deref().unwrap()).unwrap()
    );
}
