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
use la_domain::coverage::{Family, Origin, required};
use la_domain::model::{DataSource, Provenance};
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

/// The families a stored result reads: its R cells, or all eight outside the matrix.
fn families_read(analytics_type: &str) -> Vec<Family> {
    analytic_id(analytics_type)
        .and_then(required)
        .map_or_else(|| Family::ALL.to_vec(), <[Family]>::to_vec)
}

#[tokio::test]
async fn a_batch_stores_where_each_result_s_inputs_came_from() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    let mut config = DemoConfig::new(now);
    config.learners = 20;
    config.trainers = 2;
    config.courses = 4;
    config.second_org_learners = 0;
    let data = la_demo::generate(&config);
    let push = |at| Provenance {
        source: DataSource::Push,
        synced_at: at,
    };

    // A push-only dataset, pushed an hour ago: every family that was pushed is live.
    let pushed_at = now - Duration::hours(1);
    store.upsert_changed(&data, push(pushed_at)).await.unwrap();
    let options = BatchOptions {
        now,
        window: Window::Days30,
        org: None,
    };
    run_batch(store.clone(), options, |_| {}).await.unwrap();
    let fresh = all_results(&store, &data).await;
    assert!(!fresh.is_empty());
    for (key, result) in &fresh {
        assert_eq!(result.input_origin, Origin::Live, "{key:?}");
        let families: Vec<Family> = result.sources.keys().copied().collect();
        assert_eq!(families, sorted(families_read(&key.3)), "{key:?}");
        for (family, source) in &result.sources {
            assert_eq!(source.origin, Origin::Live, "{key:?} {family:?}");
            // Every family of the demo has rows, so each was pushed and reported.
            assert_eq!(source.fetched_at, Some(pushed_at), "{key:?} {family:?}");
        }
    }

    // Two days later everything but Course Builder was pushed again; Course Builder's last
    // success is 49 hours old: its rows are the last known ones.
    let later = now + Duration::hours(48);
    let mut without_cb = data.clone();
    without_cb.courses.clear();
    without_cb.modules.clear();
    without_cb.enrollments.clear();
    without_cb.module_progress.clear();
    let repushed_at = later - Duration::hours(1);
    store
        .upsert_changed(&without_cb, push(repushed_at))
        .await
        .unwrap();
    // Learner AI's collector ran in mock mode (decision 7).
    store
        .record_source_success(
            DataSource::Mock,
            Family::LearnerAi.entities(),
            later - Duration::minutes(30),
        )
        .await
        .unwrap();
    let options = BatchOptions {
        now: later,
        ..options
    };
    run_batch(store.clone(), options, |_| {}).await.unwrap();
    let after = all_results(&store, &data).await;
    let (mut last_known, mut mock, mut live) = (0, 0, 0);
    for (key, result) in &after {
        let families = families_read(&key.3);
        let expected = if families.contains(&Family::LearnerAi) {
            mock += 1;
            Origin::Mock
        } else if families.contains(&Family::CourseBuilder) {
            last_known += 1;
            Origin::LastKnown
        } else {
            live += 1;
            Origin::Live
        };
        assert_eq!(result.input_origin, expected, "{key:?}");
        if let Some(cb) = result.sources.get(&Family::CourseBuilder) {
            assert_eq!(cb.origin, Origin::LastKnown, "{key:?}");
            assert_eq!(cb.fetched_at, Some(pushed_at), "{key:?}");
        }
        if let Some(lai) = result.sources.get(&Family::LearnerAi) {
            assert_eq!(lai.origin, Origin::Mock, "{key:?}");
            assert_eq!(
                lai.fetched_at,
                Some(later - Duration::minutes(30)),
                "{key:?}"
            );
        }
        if let Some(asm) = result.sources.get(&Family::Assessment) {
            assert_eq!(asm.origin, Origin::Live, "{key:?}");
            assert_eq!(asm.fetched_at, Some(repushed_at), "{key:?}");
        }
    }
    assert!(
        last_known > 0 && mock > 0 && live > 0,
        "{last_known} {mock} {live}"
    );
    // Decision 7: the mock family still counts as present, so a result reading only live and
    // mock families is complete (forecast: DIR, CB, ASM, LAI is not; recommendations: LAI is).
    let recommendations = after
        .values()
        .find(|r| r.key.analytics_type == "recommendations" && r.data.is_some())
        .expect("a learner with recommendations");
    assert_eq!(recommendations.input_origin, Origin::Mock);
    assert_eq!(recommendations.status, ResultStatus::Complete);
    assert_eq!(recommendations.coverage, 1.0);
}

fn sorted(mut families: Vec<Family>) -> Vec<Family> {
    families.sort();
    families
}
