//! The analytics batch end to end on a real database (SQLite by default, PostgreSQL with
//! `LA_TEST_DATABASE_URL`): seed a small organisation, run the batch, read the stored
//! results back, run it again and find the same rows.

use chrono::{TimeZone, Utc};
use la_app::analytics::batch::{BatchOptions, Scope, run_batch, run_batch_scoped};
use la_app::ports::Backend;
use la_app::results::{ResultStatus, StoredResult};
use la_demo::DemoConfig;
use la_domain::Role;
use la_domain::analytics::Window;
use la_storage::testing::TestDatabase;
use std::sync::Arc;

async fn all_results(
    store: &Arc<dyn la_app::ports::Store>,
    data: &la_domain::model::Dataset,
) -> Vec<StoredResult> {
    let mut results = la_storage::testing::stored_results(store, data).await;
    // Timing differs between runs; everything else must not.
    for result in &mut results {
        result.calculation_ms = 0;
    }
    results
}

fn demo_learner_id(data: &la_domain::model::Dataset) -> la_domain::UserId {
    data.users
        .iter()
        .find(|u| u.email.as_deref() == Some("learner@demo.local"))
        .expect("demo learner")
        .id
}

/// The instant every test here computes as of.
fn batch_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap()
}

/// A small platform: `learners` in the main organisation (3 trainers, 8 courses) and
/// `second` in another.
fn small_platform(learners: usize, second: usize) -> la_domain::model::Dataset {
    let mut config = DemoConfig::new(batch_now());
    config.learners = learners;
    config.trainers = 3;
    config.courses = 8;
    config.second_org_learners = second;
    la_demo::generate(&config)
}

/// A fresh database holding `data`, and the guard that drops it.
async fn seeded(data: &la_domain::model::Dataset) -> (TestDatabase, la_storage::Database) {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    la_storage::testing::write_mock(&db, data, batch_now()).await;
    (test_db, db)
}

fn full_batch() -> BatchOptions {
    BatchOptions {
        now: batch_now(),
        window: Window::Days30,
        org: None,
    }
}

#[tokio::test]
async fn the_batch_stores_every_analytic_and_a_second_run_changes_nothing() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap();
    let mut config = DemoConfig::new(now);
    config.learners = 40;
    config.trainers = 3;
    config.courses = 8;
    config.second_org_learners = 12;
    let data = la_demo::generate(&config);
    la_storage::testing::write_mock(&db, &data, now).await;

    let options = BatchOptions {
        now,
        window: Window::Days30,
        org: None,
    };
    let summary = run_batch(store.clone(), options, |_| {}).await.unwrap();
    let first = all_results(&store, &data).await;
    assert_eq!(
        first.len(),
        summary.results,
        "every computed result is stored"
    );

    let learners = data
        .users
        .iter()
        .filter(|u| u.roles.contains(&Role::Learner))
        .count();
    let trainers = data
        .users
        .iter()
        .filter(|u| u.roles.contains(&Role::Trainer))
        .count();
    let gamified: usize = data
        .users
        .iter()
        .filter(|u| u.is_active)
        .map(|u| {
            u.roles
                .iter()
                .filter(|r| **r != Role::PlatformAdmin)
                .count()
        })
        .sum();
    let org_admins = data
        .users
        .iter()
        .filter(|u| u.is_active && u.org_id.is_some() && u.roles.contains(&Role::OrgAdmin))
        .count();
    // 10 learner analytics per learner; 4 per trainer and their recommendations; per
    // organisation 4, O4 again with its worker list, and the recommendations without anyone's
    // decisions; each org admin's own recommendations; skill demand; and 3 gamification views
    // per (user, role).
    assert_eq!(
        summary.results,
        learners * 10 + trainers * 5 + data.organizations.len() * 6 + org_admins + 1 + gamified * 3
    );
    assert_eq!(summary.gamification_subjects, gamified);
    let awards = store.badge_awards().await.unwrap();
    assert!(
        awards
            .get(&(demo_learner_id(&data), Role::Learner))
            .is_some_and(|a| !a.is_empty()),
        "the demo learner has earned badges"
    );
    let demo_learner = data
        .users
        .iter()
        .find(|u| u.email.as_deref() == Some("learner@demo.local"))
        .unwrap();
    let mine: Vec<&StoredResult> = first
        .iter()
        .filter(|r| r.key.subject_id == demo_learner.id.0 && r.key.role == Some(Role::Learner))
        .collect();
    assert_eq!(mine.len(), 13, "10 analytics and 3 gamification views");
    for result in &mine {
        assert_eq!(result.calculated_at, now);
        let expected_params = if result.key.analytics_type.starts_with("gamification-") {
            "default"
        } else {
            "window=30d"
        };
        assert_eq!(result.key.params_key, expected_params);
        if result.key.analytics_type != "peer" {
            // The demo learner has data in every entity: every analytic says something.
            assert_eq!(
                result.status,
                ResultStatus::Complete,
                "{}",
                result.key.analytics_type
            );
            assert!(
                result
                    .data
                    .as_ref()
                    .is_some_and(|d| d.to_value().is_object())
            );
        }
    }
    let velocity = mine
        .iter()
        .find(|r| r.key.analytics_type == "velocity")
        .unwrap();
    assert!(velocity.data.as_ref().unwrap().to_value()["momentum"]["score"].is_i64());

    let second_summary = run_batch(store.clone(), options, |_| {}).await.unwrap();
    assert_eq!(second_summary.results, summary.results);
    let second = all_results(&store, &data).await;
    assert_eq!(
        first, second,
        "a second run over the same data writes the same rows"
    );
    db.close().await;
}

/// The daily batch's chunks (and refreshes) write one organisation at a time and compute the
/// learners of the others only as far as platform-wide figures need them. Written
/// organisation by organisation, the results must be exactly those of one full batch.
#[tokio::test]
async fn organisation_by_organisation_gives_the_full_batch_results() {
    let now = batch_now();
    let data = small_platform(30, 12);
    let (_full_db, full) = seeded(&data).await;
    run_batch(full.store(), full_batch(), |_| {}).await.unwrap();

    let (_scoped_db, scoped) = seeded(&data).await;
    let mut scopes: Vec<Option<la_domain::OrgId>> =
        data.organizations.iter().map(|o| Some(o.id)).collect();
    scopes.push(None);
    assert!(
        scopes.len() >= 3,
        "two organisations and the platform scope"
    );
    for org in scopes {
        let summary = run_batch_scoped(
            scoped.store(),
            now,
            Window::Days30,
            Scope::orgs([org]),
            |_| {},
        )
        .await
        .unwrap();
        assert!(summary.results > 0, "{org:?} writes its own results");
    }

    let expected = all_results(&full.store(), &data).await;
    let actual = all_results(&scoped.store(), &data).await;
    assert_eq!(actual.len(), expected.len());
    for (actual, expected) in actual.iter().zip(&expected) {
        assert_eq!(actual, expected, "{:?}", expected.key);
    }
}

/// The daily batch's way: one prepared batch, then chunks of about ten subjects, the large
/// organisation cut into slices of its user ids (decision 18). Every result equals the
/// direct batch's.
#[tokio::test]
async fn chunks_and_slices_of_one_prepared_batch_give_the_full_batch_results() {
    use la_app::analytics::batch::{prepare_batch, run_prepared_part};
    use la_app::jobs::handlers::plan_scopes;

    let now = batch_now();
    let data = small_platform(40, 12);
    let (_full_db, full) = seeded(&data).await;
    run_batch(full.store(), full_batch(), |_| {}).await.unwrap();

    let (_chunked_db, chunked) = seeded(&data).await;
    let jobs = chunked.jobs();
    let counts = jobs.active_users_per_org().await.unwrap();
    let mut large = std::collections::BTreeMap::new();
    for &(org, users) in &counts {
        if users > 10 {
            large.insert(org, jobs.active_user_ids(org).await.unwrap());
        }
    }
    let scopes = plan_scopes(&counts, &large, 10);
    let slices = scopes
        .iter()
        .filter(|s| matches!(s, Scope::Slice { .. }))
        .count();
    assert!(
        slices >= 4,
        "the 40-learner organisation is sliced: {scopes:?}"
    );
    let (prepared, _) = prepare_batch(chunked.store().as_ref(), now, Window::Days30)
        .await
        .unwrap();
    let prepared = Arc::new(prepared);
    let mut written = 0;
    for scope in scopes {
        let summary = run_prepared_part(chunked.store(), prepared.clone(), scope, |_| {})
            .await
            .unwrap();
        written += summary.results;
    }

    let expected = all_results(&full.store(), &data).await;
    let actual = all_results(&chunked.store(), &data).await;
    assert_eq!(written, expected.len(), "no result is written twice");
    assert_eq!(actual.len(), expected.len());
    for (actual, expected) in actual.iter().zip(&expected) {
        assert_eq!(actual, expected, "{:?}", expected.key);
    }
}

/// Unchanged ledgers are not written again: the digest stored with the streak row decides.
/// Emptying the ledger behind the batch's back shows it (the next run leaves it empty);
/// forgetting the digests makes the next run write every ledger again.
#[tokio::test]
async fn a_ledger_is_rewritten_only_when_its_digest_changes() {
    let (_test_db, db) = seeded(&small_platform(20, 0)).await;
    let options = full_batch();
    run_batch(db.store(), options, |_| {}).await.unwrap();
    let written = la_storage::testing::count_rows(&db, "points_ledger").await;
    assert!(
        written > 100,
        "the first run writes every ledger: {written}"
    );
    let digests =
        la_storage::testing::count_rows(&db, "streak_state WHERE ledger_digest IS NOT NULL").await;
    assert!(digests > 0);

    la_storage::testing::execute_sql(&db, "DELETE FROM points_ledger").await;
    run_batch(db.store(), options, |_| {}).await.unwrap();
    assert_eq!(
        la_storage::testing::count_rows(&db, "points_ledger").await,
        0,
        "nothing changed, nothing rewritten"
    );

    la_storage::testing::execute_sql(&db, "UPDATE streak_state SET ledger_digest = NULL").await;
    run_batch(db.store(), options, |_| {}).await.unwrap();
    assert_eq!(
        la_storage::testing::count_rows(&db, "points_ledger").await,
        written,
        "without a stored digest every ledger is written again"
    );
}

/// A first batch fills the empty points ledger without the parts whose upkeep costs most,
/// and builds them after exactly as migration 0002 made them: SQLite defers the
/// `(organization_id, role, occurred_at)` index, PostgreSQL also the `(user_id, role,
/// occurred_at)` index and the foreign key to `users`. A ledger with rows keeps everything
/// through a fill. The next batch mends a fill cut short (parts dropped, rows written), and
/// on PostgreSQL the ledger rows of a user deleted meanwhile (no cascade without the
/// foreign key) go before the key returns.
#[tokio::test]
async fn a_first_fill_defers_the_ledgers_upkeep_and_restores_it_as_the_migration_made_it() {
    let (_test_db, db) = seeded(&small_platform(20, 0)).await;
    let store = db.store();
    let deferred: &[&str] = match store.backend() {
        Backend::Sqlite => &["points_ledger_org_time"],
        Backend::Postgres => &[
            "points_ledger_user_time",
            "points_ledger_org_time",
            LEDGER_USER_FK,
        ],
    };
    let shape = || ledger_shape(&db);
    let migrated = shape().await;
    assert!(
        migrated.iter().all(|(_, part)| part.is_some()),
        "migration 0002 makes them all: {migrated:?}"
    );

    store.begin_ledger_fill().await.unwrap();
    for (name, part) in shape().await {
        assert_eq!(
            part.is_none(),
            deferred.contains(&name),
            "{name} during a first fill"
        );
    }
    store.end_ledger_fill().await.unwrap();
    assert_eq!(shape().await, migrated);

    run_batch(db.store(), full_batch(), |_| {}).await.unwrap();
    assert!(la_storage::testing::count_rows(&db, "points_ledger").await > 100);
    assert_eq!(
        shape().await,
        migrated,
        "the first batch builds what it deferred"
    );

    store.begin_ledger_fill().await.unwrap();
    assert_eq!(shape().await, migrated, "a ledger with rows keeps it all");
    store.end_ledger_fill().await.unwrap();

    for name in deferred {
        let drop = if *name == LEDGER_USER_FK {
            format!("ALTER TABLE points_ledger DROP CONSTRAINT {name}")
        } else {
            format!("DROP INDEX {name}")
        };
        la_storage::testing::execute_sql(&db, &drop).await;
    }
    let orphans = "points_ledger WHERE user_id NOT IN (SELECT id FROM users)";
    if store.backend() == Backend::Postgres {
        la_storage::testing::execute_sql(
            &db,
            "DELETE FROM users WHERE id = (SELECT user_id FROM points_ledger LIMIT 1)",
        )
        .await;
        assert!(la_storage::testing::count_rows(&db, orphans).await > 0);
    }
    run_batch(db.store(), full_batch(), |_| {}).await.unwrap();
    assert_eq!(
        shape().await,
        migrated,
        "the next batch mends a fill cut short"
    );
    assert_eq!(la_storage::testing::count_rows(&db, orphans).await, 0);
}

/// On PostgreSQL a first fill that cannot have the ledger's locks within its wait (a
/// transaction writing the ledger holds them) does not defer anything: it fills with the
/// indexes and the foreign key in place.
#[tokio::test]
async fn a_first_fill_on_a_busy_postgresql_ledger_keeps_everything_in_place() {
    let (_test_db, db) = seeded(&small_platform(20, 0)).await;
    let la_storage::Database::Postgres(pg) = &db else {
        return; // SQLite's begin takes the write lock and waits for it (`BEGIN IMMEDIATE`)
    };
    let store = db.store();
    let migrated = ledger_shape(&db).await;
    let mut writer = pg.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE points_ledger IN ROW EXCLUSIVE MODE")
        .execute(&mut *writer)
        .await
        .unwrap();
    let waiting = std::time::Instant::now();
    store.begin_ledger_fill().await.unwrap();
    assert!(
        waiting.elapsed() >= std::time::Duration::from_secs(4),
        "it waits for the locks first: {:?}",
        waiting.elapsed()
    );
    assert_eq!(
        ledger_shape(&db).await,
        migrated,
        "a busy ledger is filled with everything in place"
    );
    writer.rollback().await.unwrap();
    store.end_ledger_fill().await.unwrap();
    assert_eq!(ledger_shape(&db).await, migrated);
}

/// The ledger's foreign key to `users` on PostgreSQL (migration 0002's default name).
const LEDGER_USER_FK: &str = "points_ledger_user_id_fkey";

/// The definitions of the points ledger's secondary indexes and, on PostgreSQL, of its
/// foreign key: `None` where one is missing.
async fn ledger_shape(db: &la_storage::Database) -> Vec<(&'static str, Option<String>)> {
    let mut shape = Vec::new();
    for index in ["points_ledger_user_time", "points_ledger_org_time"] {
        shape.push((
            index,
            la_storage::testing::index_definition(db, index).await,
        ));
    }
    if db.store().backend() == Backend::Postgres {
        shape.push((
            LEDGER_USER_FK,
            la_storage::testing::pg_constraint_definition(db, "points_ledger", LEDGER_USER_FK)
                .await,
        ));
    }
    shape
}
