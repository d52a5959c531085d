//! Coverage marking on a real database (SQLite by default, PostgreSQL with
//! `LA_TEST_DATABASE_URL`): when one upstream has not synced for longer than the maximum age,
//! the data from before the outage is still served and the analytics that require that
//! upstream are marked partial; the others stay complete.

use chrono::{Duration, TimeZone, Utc};
use la_app::analytics::batch::{BatchOptions, run_batch};
use la_app::analytics::coverage::analytic_id;
use la_app::results::{ResultStatus, StoredResult, SubjectType};
use la_demo::DemoConfig;
use la_domain::Role;
use la_domain::analytics::Window;
use la_domain::coverage::{Family, required};
use la_storage::testing::TestDatabase;
use std::collections::BTreeMap;
use std::sync::Arc;

type Key = (SubjectType, uuid::Uuid, Option<Role>, String, String);

async fn all_results(
    store: &Arc<dyn la_app::ports::Store>,
    data: &la_domain::model::Dataset,
) -> BTreeMap<Key, StoredResult> {
    la_storage::testing::stored_results(store, data)
        .await
        .into_iter()
        .map(|r| {
            let k = &r.key;
            let key = (
                k.subject_type,
                k.subject_id,
                k.role,
                k.analytics_type.clone(),
                k.params_key.clone(),
            );
            (key, r)
        })
        .collect()
}

fn requires_course_builder(analytics_type: &str) -> Option<bool> {
    let families = required(analytic_id(analytics_type)?)?;
    Some(families.contains(&Family::CourseBuilder))
}

#[tokio::test]
async fn data_from_before_the_outage_is_served_and_the_affected_analytics_are_partial() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    let mut config = DemoConfig::new(now);
    config.learners = 30;
    config.trainers = 3;
    config.courses = 6;
    config.second_org_learners = 0;
    let data = la_demo::generate(&config);
    la_storage::testing::write_mock(&db, &data, now).await;
    let options = BatchOptions {
        now,
        window: Window::Days30,
        org: None,
    };

    // No source has ever reported: nothing is judged, everything is as computed.
    run_batch(store.clone(), options, |_| {}).await.unwrap();
    let before = all_results(&store, &data).await;
    assert!(before.values().all(|r| r.coverage == 1.0
        && !r.low_confidence
        && r.warnings.is_empty()
        && r.status != ResultStatus::Partial));

    // Every upstream collected an hour ago, except Course Builder: its last success was 72
    // hours ago, and it has failed since.
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

    run_batch(store.clone(), options, |_| {}).await.unwrap();
    let after = all_results(&store, &data).await;
    assert_eq!(after.len(), before.len());

    let warning = "source course-builder last synced 2026-11-23T02:00:00Z; data may be incomplete";
    let (mut affected, mut unaffected) = (0, 0);
    for (key, old) in &before {
        let new = &after[key];
        let analytics_type = key.3.as_str();
        match requires_course_builder(analytics_type) {
            Some(true) if old.data.is_some() => {
                // Every analytic requiring CB requires at most four families, so one
                // missing family leaves 50-75 %: partial with low confidence, data kept.
                affected += 1;
                assert_eq!(
                    new.data, old.data,
                    "{key:?}: the data from before is served"
                );
                assert_eq!(new.status, ResultStatus::Partial, "{key:?}");
                assert!(new.low_confidence, "{key:?}");
                assert!(new.coverage < 1.0 && new.coverage >= 0.5, "{key:?}");
                assert_eq!(new.warnings, vec![warning.to_owned()], "{key:?}");
            }
            Some(true) => {
                assert_eq!(new.status, ResultStatus::InsufficientData, "{key:?}");
                assert!(new.coverage < 1.0, "{key:?}");
            }
            Some(false) | None => {
                unaffected += usize::from(analytics_type == "performance");
                assert_eq!(new.status, old.status, "{key:?}");
                assert_eq!(new.data, old.data, "{key:?}");
                assert_eq!(new.coverage, 1.0, "{key:?}");
                assert!(new.warnings.is_empty(), "{key:?}");
            }
        }
    }
    assert!(
        affected > 30,
        "velocity, forecast, org analytics… ({affected})"
    );
    assert!(unaffected > 0, "performance (ASM only) stays as it was");
    let some_performance = after
        .values()
        .find(|r| r.key.analytics_type == "performance" && r.data.is_some())
        .expect("a learner with performance data");
    assert_eq!(some_performance.status, ResultStatus::Complete);

    // Course Builder recovers: the next batch is complete again.
    store
        .record_source_success(
            Family::CourseBuilder.source(),
            Family::CourseBuilder.entities(),
            now - Duration::minutes(5),
        )
        .await
        .unwrap();
    run_batch(store.clone(), options, |_| {}).await.unwrap();
    let recovered = all_results(&store, &data).await;
    for (key, old) in &before {
        let new = &recovered[key];
        assert_eq!(
            (new.status, new.coverage, &new.data),
            (old.status, old.coverage, &old.data),
            "{key:?}"
        );
    }
}
