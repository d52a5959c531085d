//! Row-level security (data.md 4, migration 0007 on PostgreSQL).
//!
//! The API reads stored results through `ResultStore::get_result_for`, which on PostgreSQL
//! runs as the `la_api` role with the reader's user, organisation and active role set
//! transaction-locally; the policies then decide what is visible, whatever the HTTP layer
//! let through. The required cases of data.md 4.3 are checked both through that port and in
//! plain SQL as `la_api`. On SQLite (no row-level security) the same port is the plain read,
//! and the test pins that documented behaviour instead.

use chrono::{TimeZone, Utc};
use la_app::ports::{ReadContext, Store};
use la_app::results::{JsonDocument, ResultKey, ResultStatus, StoredResult, SubjectType};
use la_domain::{OrgId, Role, UserId};
use la_storage::Database;
use la_storage::testing::TestDatabase;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

const ORG_A: Uuid = Uuid::from_u128(0xA);
const ORG_B: Uuid = Uuid::from_u128(0xB);
/// Learner and trainer in A.
const ALICE: Uuid = Uuid::from_u128(0xA1);
/// Learner and trainer in A.
const BOB: Uuid = Uuid::from_u128(0xA2);
/// Org admin of A.
const ADAM: Uuid = Uuid::from_u128(0xA3);
/// Platform admin (member of A).
const PAT: Uuid = Uuid::from_u128(0xA4);
/// Inactive learner in A.
const DAVE: Uuid = Uuid::from_u128(0xA5);
/// Learner in B.
const CAROL: Uuid = Uuid::from_u128(0xB1);

fn user_key(user: Uuid, role: Role, analytic: &str) -> ResultKey {
    ResultKey {
        subject_type: SubjectType::User,
        subject_id: user,
        role: Some(role),
        analytics_type: analytic.to_owned(),
        params_key: "window=30d".to_owned(),
    }
}

fn org_key(org: Uuid) -> ResultKey {
    ResultKey {
        subject_type: SubjectType::Organization,
        subject_id: org,
        role: Some(Role::OrgAdmin),
        analytics_type: "org-performance".to_owned(),
        params_key: "window=30d".to_owned(),
    }
}

fn platform_key() -> ResultKey {
    ResultKey {
        subject_type: SubjectType::Platform,
        subject_id: Uuid::nil(),
        role: None,
        analytics_type: "skill-demand".to_owned(),
        params_key: "timeframe=6months".to_owned(),
    }
}

fn result(key: ResultKey, org: Option<Uuid>) -> StoredResult {
    StoredResult {
        data: Some(
            JsonDocument::from_serializable(&serde_json::json!({ "subject": key.subject_id }))
                .unwrap(),
        ),
        key,
        organization_id: org.map(OrgId),
        status: ResultStatus::Complete,
        low_confidence: false,
        coverage: 1.0,
        warnings: vec![],
        calculated_at: Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap(),
        calculation_ms: 1,
        input_origin: Default::default(),
        sources: Default::default(),
    }
}

fn reader(user: Uuid, org: Option<Uuid>, role: Option<Role>) -> ReadContext {
    ReadContext {
        user_id: UserId(user),
        organization_id: org.map(OrgId),
        role,
    }
}

/// Two organisations, their people, and one stored result per kind of subject.
async fn seed(url: &str, store: &Arc<dyn Store>) {
    let statements = [
        format!(
            "INSERT INTO organizations (id, name, source, synced_at) VALUES \
             ('{ORG_A}', 'A', 'test', '2026-11-01T00:00:00Z'), ('{ORG_B}', 'B', 'test', '2026-11-01T00:00:00Z')"
        ),
        format!(
            "INSERT INTO users (id, org_id, display_name, roles, competency_level, is_active, created_at, source, synced_at) VALUES \
             ('{ALICE}', '{ORG_A}', 'Alice', '[\"learner\",\"trainer\"]', 1, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{BOB}',   '{ORG_A}', 'Bob',   '[\"learner\",\"trainer\"]', 1, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{ADAM}',  '{ORG_A}', 'Adam',  '[\"org-admin\"]', 2, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{PAT}',   '{ORG_A}', 'Pat',   '[\"platform-admin\"]', 2, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{DAVE}',  '{ORG_A}', 'Dave',  '[\"learner\"]', 1, false, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{CAROL}', '{ORG_B}', 'Carol', '[\"learner\"]', 1, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z')"
        ),
    ];
    // SQLite reads plainly whoever asks, so there the people are not needed (and its UUIDs are
    // BLOBs, which this literal SQL does not write).
    if let Database::Postgres(pg) = Database::connect(url, 1).await.unwrap() {
        for statement in statements {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(pg.pool())
                .await
                .unwrap();
        }
        pg.close().await;
    }
    store
        .upsert_results(&[
            result(user_key(ALICE, Role::Learner, "velocity"), Some(ORG_A)),
            result(user_key(ALICE, Role::Trainer, "course-health"), Some(ORG_A)),
            result(user_key(BOB, Role::Trainer, "course-health"), Some(ORG_A)),
            result(user_key(DAVE, Role::Learner, "velocity"), Some(ORG_A)),
            result(user_key(CAROL, Role::Learner, "velocity"), Some(ORG_B)),
            result(org_key(ORG_A), Some(ORG_A)),
            result(org_key(ORG_B), Some(ORG_B)),
            result(platform_key(), None),
        ])
        .await
        .unwrap();
}

/// Which of the seeded results `reader` can read through the API's port.
async fn visible(store: &Arc<dyn Store>, reader: ReadContext) -> Vec<&'static str> {
    let keys = [
        ("alice/learner", user_key(ALICE, Role::Learner, "velocity")),
        (
            "alice/trainer",
            user_key(ALICE, Role::Trainer, "course-health"),
        ),
        ("bob/trainer", user_key(BOB, Role::Trainer, "course-health")),
        ("dave/learner", user_key(DAVE, Role::Learner, "velocity")),
        ("carol/learner", user_key(CAROL, Role::Learner, "velocity")),
        ("org A", org_key(ORG_A)),
        ("org B", org_key(ORG_B)),
        ("platform", platform_key()),
    ];
    let mut out = Vec::new();
    for (name, key) in keys {
        let read = store.get_result_for(&reader, &key).await.unwrap();
        if let Some(found) = read {
            assert_eq!(found.key, key, "a read returns the row it asked for");
            out.push(name);
        }
    }
    out
}

const EVERYTHING: [&str; 8] = [
    "alice/learner",
    "alice/trainer",
    "bob/trainer",
    "dave/learner",
    "carol/learner",
    "org A",
    "org B",
    "platform",
];

#[tokio::test]
async fn api_reads_pass_row_level_security() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    seed(&test_db.url, &store).await;

    if matches!(db, Database::Sqlite(_)) {
        // No row-level security in SQLite: the HTTP checks alone guard it (api.md 3.6), and the
        // port reads plainly, whoever asks.
        assert_eq!(
            visible(&store, reader(ALICE, Some(ORG_A), Some(Role::Learner))).await,
            EVERYTHING
        );
        return;
    }

    // The worker's (owner's) read is not subject to the policies.
    for key in [
        user_key(BOB, Role::Trainer, "course-health"),
        org_key(ORG_B),
    ] {
        assert!(store.get_result(&key).await.unwrap().is_some());
    }

    let cases: [(&str, ReadContext, &[&str]); 10] = [
        (
            "a learner sees their own learner rows, not their own trainer rows",
            reader(ALICE, Some(ORG_A), Some(Role::Learner)),
            &["alice/learner", "platform"],
        ),
        (
            "a trainer sees their own trainer rows, not another trainer's",
            reader(ALICE, Some(ORG_A), Some(Role::Trainer)),
            &["alice/trainer", "platform"],
        ),
        (
            "the other trainer likewise",
            reader(BOB, Some(ORG_A), Some(Role::Trainer)),
            &["bob/trainer", "platform"],
        ),
        (
            "an org admin sees their organisation's rows, no learner rows, not another org",
            reader(ADAM, Some(ORG_A), Some(Role::OrgAdmin)),
            &["org A", "platform"],
        ),
        (
            "a role the user does not hold sees nothing",
            reader(ALICE, Some(ORG_A), Some(Role::OrgAdmin)),
            &[],
        ),
        (
            "a token naming another organisation sees nothing",
            reader(ALICE, Some(ORG_B), Some(Role::Learner)),
            &[],
        ),
        (
            "an inactive user sees nothing, not even their own rows",
            reader(DAVE, Some(ORG_A), Some(Role::Learner)),
            &[],
        ),
        (
            "no active role: no rows",
            reader(ALICE, Some(ORG_A), None),
            &[],
        ),
        (
            "an unknown user sees nothing",
            reader(
                Uuid::from_u128(0xDEAD),
                Some(ORG_A),
                Some(Role::PlatformAdmin),
            ),
            &[],
        ),
        (
            "a platform admin sees every row",
            reader(PAT, Some(ORG_A), Some(Role::PlatformAdmin)),
            &EVERYTHING,
        ),
    ];
    for (case, context, expected) in cases {
        assert_eq!(visible(&store, context).await, expected, "{case}");
    }
}

/// Opens a transaction as `la_api` with the given session variables (`None` = unset).
async fn as_api(
    pool: &PgPool,
    context: Option<(Uuid, Uuid, &str)>,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.unwrap();
    if let Some((user, org, role)) = context {
        sqlx::query(
            "SELECT set_config('app.current_user_id', $1, true), \
             set_config('app.current_org_id', $2, true), set_config('app.current_role', $3, true)",
        )
        .bind(user.to_string())
        .bind(org.to_string())
        .bind(role)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query("SET LOCAL ROLE la_api")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

async fn count(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut **tx)
        .await
        .unwrap()
}

#[tokio::test]
async fn la_api_sees_only_what_the_policies_allow() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let Database::Postgres(pg) = &db else {
        // Row-level security is PostgreSQL's; the SQLite case is pinned in the test above.
        return;
    };
    let store = db.store();
    seed(&test_db.url, &store).await;
    let pool = pg.pool();
    for (org, scope_key) in [(ORG_A, "cohort-a"), (ORG_B, "cohort-b")] {
        sqlx::query(
            "INSERT INTO aggregated_analytics (period_start, period_end, granularity, scope, \
             scope_key, organization_id, analytics_type, sample_size, data) \
             VALUES ('2026-11-01', '2026-11-02', 'daily', 'cohort', $1, $2, 'engagement', 12, '{}')",
        )
        .bind(scope_key)
        .bind(org)
        .execute(pool)
        .await
        .unwrap();
    }

    // No session variables: no rows anywhere (fail closed).
    let mut tx = as_api(pool, None).await;
    assert_eq!(
        count(&mut tx, "SELECT count(*) FROM analytics_results").await,
        0
    );
    assert_eq!(count(&mut tx, "SELECT count(*) FROM users").await, 0);
    tx.rollback().await.unwrap();

    // Another organisation's cohort rows are invisible; one's own are visible.
    let mut tx = as_api(pool, Some((ALICE, ORG_A, "learner"))).await;
    assert_eq!(
        count(
            &mut tx,
            "SELECT count(*) FROM aggregated_analytics WHERE scope_key = 'cohort-b'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut tx,
            "SELECT count(*) FROM aggregated_analytics WHERE scope_key = 'cohort-a'"
        )
        .await,
        1
    );
    // Only one's own user row and organisation.
    assert_eq!(count(&mut tx, "SELECT count(*) FROM users").await, 1);
    assert_eq!(
        count(&mut tx, "SELECT count(*) FROM organizations").await,
        1
    );
    tx.rollback().await.unwrap();

    // la_api cannot write analytics, even its own row.
    let mut tx = as_api(pool, Some((ALICE, ORG_A, "learner"))).await;
    let denied = sqlx::query(
        "UPDATE analytics_results SET coverage = 0.5 WHERE subject_id = $1 AND role = 'learner'",
    )
    .bind(ALICE)
    .execute(&mut *tx)
    .await
    .expect_err("la_api holds no UPDATE on analytics_results");
    assert!(denied.to_string().contains("permission denied"), "{denied}");
    tx.rollback().await.unwrap();

    // Tables outside data.md 4.3 are not readable at all.
    let mut tx = as_api(pool, Some((ALICE, ORG_A, "learner"))).await;
    let denied = sqlx::query("SELECT count(*) FROM enrollments")
        .execute(&mut *tx)
        .await
        .expect_err("la_api holds no privilege on ingestion tables");
    assert!(denied.to_string().contains("permission denied"), "{denied}");
    tx.rollback().await.unwrap();

    // The variables are transaction-local: the pooled connection is the owner again after.
    let owner_sees: i64 = sqlx::query_scalar("SELECT count(*) FROM analytics_results")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(owner_sees, 8);
}
