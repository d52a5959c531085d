//! Storage contract tests. They run against SQLite by default and against PostgreSQL when
//! `LA_TEST_DATABASE_URL` names a server (see `la_storage::testing`).

use chrono::{TimeZone, Utc};
use la_app::ports::Backend;
use la_demo::DemoConfig;
use la_domain::model::{DataSource, Dataset, Provenance};
use la_storage::Database;
use la_storage::testing::TestDatabase;

fn small_demo() -> Dataset {
    let mut config = DemoConfig::new(Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap());
    config.learners = 40;
    config.second_org_learners = 12;
    la_demo::generate(&config)
}

fn provenance() -> Provenance {
    Provenance {
        source: DataSource::Mock,
        synced_at: Utc::now(),
    }
}

#[tokio::test]
async fn migrations_apply_to_an_empty_database_and_are_idempotent() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    db.migrate().await.expect("second run is a no-op");
    let store = db.store();
    let expected = if test_db.url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    assert_eq!(store.backend(), expected);
    store.ping().await.unwrap();
    assert!(store.is_empty().await.unwrap());
    let counts = store.entity_counts().await.unwrap();
    assert_eq!(counts.len(), 28, "every entity has a table");
    assert!(counts.iter().all(|(_, n)| *n == 0));
    db.close().await;
}

#[tokio::test]
async fn a_dataset_lands_in_every_table_and_rewriting_it_changes_no_counts() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let data = small_demo();

    let summary = store.write_dataset(&data, provenance()).await.unwrap();
    assert_eq!(summary.total() as usize, data.total_records());
    assert!(!store.is_empty().await.unwrap());
    let counts = store.entity_counts().await.unwrap();
    let expected: Vec<_> = data
        .counts()
        .into_iter()
        .map(|(kind, n)| (kind, n as u64))
        .collect();
    let mut sorted_counts = counts.clone();
    sorted_counts.sort();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    assert_eq!(sorted_counts, sorted_expected);

    // Upserts are idempotent: the same records again leave the same number of rows.
    store.write_dataset(&data, provenance()).await.unwrap();
    let mut again = store.entity_counts().await.unwrap();
    again.sort();
    assert_eq!(again, sorted_expected);
    db.close().await;
}

#[tokio::test]
async fn a_reference_to_an_unknown_row_is_refused_and_nothing_is_written() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let data = small_demo();
    // Enrollments without their users and courses violate foreign keys.
    let orphans = Dataset {
        enrollments: data.enrollments.clone(),
        organizations: data.organizations.clone(),
        ..Dataset::default()
    };
    let err = store
        .write_dataset(&orphans, provenance())
        .await
        .expect_err("unknown user must be refused");
    assert!(
        matches!(err, la_app::ports::StoreError::Constraint { .. }),
        "{err:?}"
    );
    // All-or-nothing: the organisations of the same batch were rolled back too.
    assert!(store.is_empty().await.unwrap());
    db.close().await;
}

#[tokio::test]
async fn demo_accounts_are_found_by_email_case_insensitively() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let data = small_demo();
    store.write_dataset(&data, provenance()).await.unwrap();
    let user = data
        .users
        .iter()
        .find(|u| u.email.as_deref() == Some("learner@demo.local"))
        .expect("demo learner");
    store
        .upsert_account(user.id, "$argon2id$fake")
        .await
        .unwrap();
    let account = store
        .find_account_by_email("Learner@Demo.Local")
        .await
        .unwrap()
        .expect("account");
    assert_eq!(account.user_id, user.id);
    assert_eq!(account.password_hash, "$argon2id$fake");
    assert_eq!(account.last_login_at, None);
    assert!(
        store
            .find_account_by_email("nobody@demo.local")
            .await
            .unwrap()
            .is_none()
    );
    db.close().await;
}

#[tokio::test]
async fn refresh_tokens_rotate_once_and_revocation_shows_in_the_session_check() {
    use la_app::ports::{NewRefreshToken, RevokeReason};
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let data = small_demo();
    store.write_dataset(&data, provenance()).await.unwrap();
    let user = data.users.iter().find(|u| u.email.is_some()).unwrap();
    store
        .upsert_account(user.id, "$argon2id$fake")
        .await
        .unwrap();
    let now = Utc::now();
    let token = |hash: u8| NewRefreshToken {
        id: uuid::Uuid::new_v4(),
        hash: vec![hash; 32],
        issued_at: now,
        expires_at: now + chrono::Duration::days(7),
    };
    let sid = uuid::Uuid::new_v4();
    let first = token(1);
    store.start_session(sid, user.id, &first).await.unwrap();
    store.record_login(user.id, now).await.unwrap();
    let profile = store.user_profile(user.id).await.unwrap().unwrap();
    assert_eq!(profile.email, user.email);
    assert_eq!(
        profile.last_login_at.map(|t| t.timestamp_millis()),
        Some(now.timestamp_millis())
    );

    let found = store.find_refresh_token(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.sid, found.user_id),
        (first.id, sid, user.id)
    );
    assert!(found.used_at.is_none() && !found.family_revoked);
    // The first rotation wins; presenting the spent token again rotates nothing.
    assert!(
        store
            .rotate_refresh_token(first.id, sid, &token(2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .rotate_refresh_token(first.id, sid, &token(3))
            .await
            .unwrap()
    );
    assert!(store.find_refresh_token(&[3; 32]).await.unwrap().is_none());
    let spent = store.find_refresh_token(&[1; 32]).await.unwrap().unwrap();
    assert!(spent.used_at.is_some());

    let jti = uuid::Uuid::new_v4();
    let check = store.check_session(sid, jti, user.id).await.unwrap();
    assert!(!check.session_revoked && !check.token_revoked && check.user_active);
    let unknown = store
        .check_session(uuid::Uuid::new_v4(), jti, user.id)
        .await
        .unwrap();
    assert!(
        unknown.session_revoked,
        "an unknown session counts as revoked"
    );

    store
        .revoke_session(sid, RevokeReason::Logout, now)
        .await
        .unwrap();
    store
        .revoke_access_token(jti, now + chrono::Duration::hours(1))
        .await
        .unwrap();
    let check = store.check_session(sid, jti, user.id).await.unwrap();
    assert!(check.session_revoked && check.token_revoked);
    assert!(
        store
            .find_refresh_token(&[2; 32])
            .await
            .unwrap()
            .unwrap()
            .family_revoked
    );
    db.close().await;
}

/// Every entity list as sorted JSON lines, so datasets compare regardless of row order.
fn canonical(data: &Dataset) -> serde_json::Map<String, serde_json::Value> {
    let serde_json::Value::Object(lists) = serde_json::to_value(data).unwrap() else {
        unreachable!("a dataset serialises to an object")
    };
    lists
        .into_iter()
        .map(|(entity, rows)| {
            let mut rows: Vec<String> = rows
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.to_string())
                .collect();
            rows.sort();
            (entity, serde_json::json!(rows))
        })
        .collect()
}

#[tokio::test]
async fn bulk_reads_return_exactly_what_was_written() {
    // On SQLite the bulk reads of a file step statements on connections of their own
    // (`sqlite_bulk.rs`); on PostgreSQL they go through the pool.
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    assert_bulk_reads_round_trip(&db).await;
}

#[tokio::test]
async fn bulk_reads_of_an_in_memory_sqlite_database_go_through_the_pool() {
    // An in-memory database cannot be opened a second time by path.
    let db = Database::connect("sqlite::memory:", 3).await.unwrap();
    db.migrate().await.unwrap();
    assert_bulk_reads_round_trip(&db).await;
}

#[tokio::test]
async fn a_malformed_stored_value_fails_the_bulk_read_naming_its_column() {
    // SQLite only, whatever LA_TEST_DATABASE_URL says: PostgreSQL's column types cannot hold
    // a malformed timestamp, SQLite's TEXT can (a file edited by hand, say).
    let path = std::env::temp_dir().join(format!("la-test-{}.db", uuid::Uuid::new_v4()));
    let db = Database::connect(&format!("sqlite:{}", path.display()), 3)
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let store = db.store();
    store
        .write_dataset(&small_demo(), provenance())
        .await
        .unwrap();
    la_storage::testing::execute_sql(&db, "UPDATE sessions SET started_at = 'last tuesday'").await;

    let mut failures = Vec::new();
    for org in store.organization_ids().await.unwrap() {
        match store.load_organization(org).await {
            Err(la_app::ports::StoreError::Corrupt(message)) => failures.push(message),
            other => panic!("expected a corrupt-data error, got {other:?}"),
        }
    }
    assert!(!failures.is_empty());
    assert!(
        failures.iter().all(|m| m.starts_with("started_at:")),
        "{failures:?}"
    );
    db.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A new SQLite file gets the store's page size; a file an earlier version created with
/// SQLite's default 4 KiB pages keeps them and still opens, migrates and takes writes.
#[tokio::test]
async fn a_new_sqlite_file_gets_the_store_page_size_and_an_old_file_keeps_its_own() {
    async fn page_size(db: &Database) -> i64 {
        match db {
            Database::Sqlite(s) => sqlx::query_scalar("PRAGMA page_size")
                .fetch_one(s.pool())
                .await
                .unwrap(),
            Database::Postgres(_) => unreachable!("a SQLite URL"),
        }
    }
    let dir = std::env::temp_dir();
    let new = dir.join(format!("la-test-{}.db", uuid::Uuid::new_v4()));
    let old = dir.join(format!("la-test-{}.db", uuid::Uuid::new_v4()));
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&old)
            .create_if_missing(true)
            .page_size(4096)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::query("CREATE TABLE made_by_an_earlier_version (x INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }

    for (path, expected) in [
        (&new, i64::from(la_storage::sqlite::PAGE_SIZE)),
        (&old, 4096),
    ] {
        let db = Database::connect(&format!("sqlite:{}", path.display()), 3)
            .await
            .unwrap();
        db.migrate().await.unwrap();
        db.store()
            .write_dataset(&small_demo(), provenance())
            .await
            .unwrap();
        assert_eq!(page_size(&db).await, expected, "{}", path.display());
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}

/// A SQLite store's write-ahead log is copied back into the database file by the store's
/// own checkpoint thread, not by the committing writer (whose backstop is far above a
/// small dataset), and closing the store stops the thread, whose connection, the last one,
/// checkpoints the rest and removes the log.
#[tokio::test]
async fn a_sqlite_store_checkpoints_its_log_on_a_thread_of_its_own() {
    let path = std::env::temp_dir().join(format!("la-test-{}.db", uuid::Uuid::new_v4()));
    let wal = format!("{}-wal", path.display());
    let db = Database::connect(&format!("sqlite:{}", path.display()), 3)
        .await
        .unwrap();
    let Database::Sqlite(sqlite) = &db else {
        unreachable!("a SQLite URL")
    };
    let backstop: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
        .fetch_one(sqlite.pool())
        .await
        .unwrap();
    assert_eq!(backstop, i64::from(la_storage::sqlite::WAL_BACKSTOP_PAGES));
    db.migrate().await.unwrap();
    let file_size = || std::fs::metadata(&path).unwrap().len();
    let before = file_size();
    db.store()
        .write_dataset(&small_demo(), provenance())
        .await
        .unwrap();
    let log_pages =
        std::fs::metadata(&wal).unwrap().len() / u64::from(la_storage::sqlite::PAGE_SIZE);
    assert!(log_pages < u64::from(la_storage::sqlite::WAL_BACKSTOP_PAGES));
    // Only a checkpoint writes the database file in WAL mode.
    let waited = std::time::Instant::now();
    while file_size() <= before {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(10),
            "no checkpoint reached the database file ({before} bytes)"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    db.close().await;
    assert!(
        !std::path::Path::new(&wal).exists(),
        "the log outlived the store"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

async fn assert_bulk_reads_round_trip(db: &Database) {
    let store = db.store();
    let data = small_demo();
    store.write_dataset(&data, provenance()).await.unwrap();

    let mut read = store.load_catalog().await.unwrap();
    let orgs = store.organization_ids().await.unwrap();
    assert_eq!(orgs.len(), data.organizations.len());
    for org in orgs {
        let part = store.load_organization(org).await.unwrap();
        assert_eq!(part.organizations.len(), 1);
        read.append(part);
    }
    let (expected, actual) = (canonical(&data), canonical(&read));
    for (entity, rows) in &expected {
        assert_eq!(
            Some(rows),
            actual.get(entity),
            "{entity} differs after a round trip"
        );
    }
    db.close().await;
}

mod results {
    use super::*;
    use la_app::results::{ResultKey, ResultStatus, StoredResult, SubjectType};
    use la_domain::Role;

    fn result(
        subject_type: SubjectType,
        subject_id: uuid::Uuid,
        role: Option<Role>,
        analytics_type: &str,
        data: Option<serde_json::Value>,
        minute: u32,
    ) -> StoredResult {
        StoredResult {
            key: ResultKey {
                subject_type,
                subject_id,
                role,
                analytics_type: analytics_type.to_owned(),
                params_key: "window=30d".to_owned(),
            },
            organization_id: None,
            status: if data.is_some() {
                ResultStatus::Complete
            } else {
                ResultStatus::InsufficientData
            },
            data: data.map(|d| la_app::results::JsonDocument::from_serializable(&d).unwrap()),
            low_confidence: false,
            coverage: 1.0,
            warnings: vec!["a warning".to_owned()],
            calculated_at: Utc.with_ymd_and_hms(2026, 11, 2, 12, minute, 0).unwrap(),
            calculation_ms: 12,
            // Stored and read back as they are (migration 0009).
            input_origin: la_domain::coverage::Origin::LastKnown,
            sources: [
                (
                    la_domain::coverage::Family::CourseBuilder,
                    la_domain::coverage::FamilyOrigin {
                        origin: la_domain::coverage::Origin::LastKnown,
                        fetched_at: Some(Utc.with_ymd_and_hms(2026, 10, 30, 2, 0, 0).unwrap()),
                    },
                ),
                (
                    la_domain::coverage::Family::Assessment,
                    la_domain::coverage::FamilyOrigin {
                        origin: la_domain::coverage::Origin::Live,
                        fetched_at: None,
                    },
                ),
            ]
            .into(),
        }
    }

    #[tokio::test]
    async fn results_upsert_by_key_and_read_back_per_subject_and_role() {
        let test_db = TestDatabase::create().await;
        let db = test_db.migrated().await;
        let store = db.store();
        let user = uuid::Uuid::from_u128(7);
        let velocity = result(
            SubjectType::User,
            user,
            Some(Role::Learner),
            "velocity",
            Some(serde_json::json!({"currentPace": 3.0, "trend": "steady"})),
            0,
        );
        let as_trainer = result(
            SubjectType::User,
            user,
            Some(Role::Trainer),
            "course-health",
            Some(serde_json::json!({"courses": []})),
            0,
        );
        let nothing = result(
            SubjectType::User,
            user,
            Some(Role::Learner),
            "mastery",
            None,
            0,
        );
        let platform = result(
            SubjectType::Platform,
            uuid::Uuid::nil(),
            None,
            "skill-demand",
            Some(serde_json::json!({"topSkills": []})),
            0,
        );
        let all = [
            velocity.clone(),
            as_trainer.clone(),
            nothing.clone(),
            platform.clone(),
        ];
        store.upsert_results(&all).await.unwrap();

        assert_eq!(
            store.get_result(&velocity.key).await.unwrap(),
            Some(velocity.clone())
        );
        assert_eq!(
            store.get_result(&platform.key).await.unwrap(),
            Some(platform.clone())
        );
        let learner = store
            .subject_results(SubjectType::User, user, Some(Role::Learner))
            .await
            .unwrap();
        assert_eq!(learner, vec![nothing.clone(), velocity.clone()]);

        // Recomputing replaces the row: same key, new time and data, no duplicate.
        let mut recomputed = velocity.clone();
        recomputed.calculated_at = Utc.with_ymd_and_hms(2026, 11, 2, 12, 30, 0).unwrap();
        recomputed.data = Some(
            la_app::results::JsonDocument::from_serializable(
                &serde_json::json!({"currentPace": 4.0, "trend": "accelerating"}),
            )
            .unwrap(),
        );
        store
            .upsert_results(std::slice::from_ref(&recomputed))
            .await
            .unwrap();
        let learner = store
            .subject_results(SubjectType::User, user, Some(Role::Learner))
            .await
            .unwrap();
        assert_eq!(learner, vec![nothing, recomputed]);
        db.close().await;
    }
}
